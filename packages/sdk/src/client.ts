import {
  createTRPCClient,
  httpBatchLink,
  httpLink,
  type Operation,
  splitLink,
  type TRPCClient,
  type TRPCClientError,
  type TRPCLink,
} from '@trpc/client';
import { observable, type Unsubscribable } from '@trpc/server/observable';
import { errorCodeOf, toStatusPageError } from './errors';
import type { AppRouter } from './router';

export type { AppRouter };

/** The access/refresh token pair the server hands out. */
export interface TokenPair {
  access_token: string;
  refresh_token?: string | undefined;
  /** Seconds until the access token expires, as the server reported it. */
  expires_in?: number | undefined;
}

export interface StatusPageClientOptions {
  /** The api's origin, e.g. `http://localhost:8080` (tRPC is served under `/trpc`). */
  baseUrl: string;
  /**
   * An API key (`sp_live_…`, docs/api/09-keys.md) sent as the bearer token on every call: for
   * scripts, no login or refresh needed. Tokens from `login()` or `token` are sent instead while set.
   */
  apiKey?: string;
  /** A bearer token to start with (an access token from elsewhere). */
  token?: string;
  /** A refresh token to start with: lets the client renew an expired `token`. */
  refreshToken?: string;
  /** A fetch implementation (defaults to the global one). */
  fetch?: typeof fetch;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Called whenever the stored tokens change (login, refresh, logout), e.g. to persist them. */
  onTokens?: (tokens: TokenPair | undefined) => void;
}

type LoginOutput = Awaited<ReturnType<TRPCClient<AppRouter>['auth']['login']['mutate']>>['data'];

export interface StatusPageHelpers {
  /** Logs in with e-mail and password and stores the access and refresh tokens. */
  login(email: string, password: string): Promise<LoginOutput>;
  /** Ends the session on the server (best effort) and forgets the tokens. */
  logout(): Promise<void>;
  /** Renews the token pair with the stored refresh token (done automatically on UNAUTHORIZED). */
  refresh(): Promise<TokenPair>;
  /** The stored tokens, if any. */
  getTokens(): TokenPair | undefined;
  /** Replaces the stored tokens (e.g. restored from storage). */
  setTokens(tokens: TokenPair | undefined): void;
}

/**
 * The typed client: every router procedure (`client.services.get.query({ slug })`,
 * `client.events.create.mutate(…)`) plus the auth helpers. Failed calls reject with
 * a `StatusPageError`.
 */
export type StatusPageClient = TRPCClient<AppRouter> & StatusPageHelpers;

/** The server's cap on procedures per batched request (apps/api/src/http/trpc-guard.ts). */
const MAX_BATCH_SIZE = 10;

const helperNames = new Set(['login', 'logout', 'refresh', 'getTokens', 'setTokens']);
/** Procedures whose UNAUTHORIZED is an answer, not an expired token. */
const noRetryPaths = new Set(['auth.login', 'auth.refresh', 'auth.logout']);

export function createStatusPageClient(options: StatusPageClientOptions): StatusPageClient {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/trpc`;
  let tokens: TokenPair | undefined = options.token
    ? { access_token: options.token, refresh_token: options.refreshToken }
    : undefined;
  let refreshing: Promise<TokenPair> | undefined;

  const setTokens = (next: TokenPair | undefined) => {
    tokens = next;
    options.onTokens?.(next);
  };

  // The signed-in session's token while there is one, else the API key.
  const bearer = (): Record<string, string> => {
    const credential = tokens?.access_token ?? options.apiKey;
    return credential ? { authorization: `Bearer ${credential}` } : {};
  };

  const http = {
    url,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    headers: () => ({
      ...(options.headers ?? {}),
      ...bearer(),
    }),
  };
  // The server refuses batched mutations and batches of more than MAX_BATCH_SIZE queries:
  // mutations go one per request, queries of the same tick share requests of at most that many.
  const transport = () =>
    splitLink<AppRouter>({
      condition: (op) => op.type === 'mutation',
      true: httpLink<AppRouter>(http),
      false: httpBatchLink<AppRouter>({ ...http, maxItems: MAX_BATCH_SIZE }),
    });

  // Calls without the retry link: login/refresh/logout themselves.
  const bare = createTRPCClient<AppRouter>({ links: [transport()] });

  const refresh = (): Promise<TokenPair> => {
    refreshing ??= (async () => {
      const refreshToken = tokens?.refresh_token;
      if (!refreshToken) throw new Error('no refresh token stored');
      const result = await bare.auth.refresh.mutate({ refresh_token: refreshToken });
      const pair: TokenPair = result.data;
      setTokens(pair);
      return pair;
    })().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  };

  /** On UNAUTHORIZED with a refresh token known: refresh once, then retry the operation. */
  const refreshLink: TRPCLink<AppRouter> =
    () =>
    ({ op, next }) =>
      observable((observer) => {
        let subscription: Unsubscribable | undefined;
        let retried = false;
        const attempt = (operation: Operation) => {
          subscription = next(operation).subscribe({
            next: (value) => observer.next(value),
            complete: () => observer.complete(),
            error: (error: TRPCClientError<AppRouter>) => {
              const canRetry =
                !retried &&
                !noRetryPaths.has(operation.path) &&
                errorCodeOf(error) === 'UNAUTHORIZED' &&
                Boolean(tokens?.refresh_token);
              if (!canRetry) {
                observer.error(error);
                return;
              }
              retried = true;
              refresh().then(
                () => attempt(operation),
                () => observer.error(error),
              );
            },
          });
        };
        attempt(op);
        return () => subscription?.unsubscribe();
      });

  const trpc = createTRPCClient<AppRouter>({ links: [refreshLink, transport()] });

  const helpers: StatusPageHelpers = {
    async login(email, password) {
      try {
        const result = await bare.auth.login.mutate({ email, password });
        const { access_token, refresh_token, expires_in } = result.data;
        setTokens({ access_token, refresh_token, expires_in });
        return result.data;
      } catch (error) {
        throw toStatusPageError(error);
      }
    },
    async logout() {
      const refreshToken = tokens?.refresh_token;
      try {
        await bare.auth.logout.mutate(refreshToken ? { refresh_token: refreshToken } : undefined);
      } catch {
        // The session may already be gone; the local tokens are dropped either way.
      } finally {
        setTokens(undefined);
      }
    },
    async refresh() {
      try {
        return await refresh();
      } catch (error) {
        throw toStatusPageError(error);
      }
    },
    getTokens: () => (tokens ? { ...tokens } : undefined),
    setTokens,
  };

  return withErrorMapping(trpc, [], helpers) as StatusPageClient;
}

/** A proxy over the tRPC client that turns rejections into StatusPageError and serves the helpers at its root. */
function withErrorMapping(client: unknown, path: string[], helpers?: StatusPageHelpers): unknown {
  return new Proxy(() => undefined, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      if (helpers && helperNames.has(key)) return helpers[key as keyof StatusPageHelpers];
      return withErrorMapping(client, [...path, key]);
    },
    apply(_target, _this, args: unknown[]) {
      let owner = client as Record<string, any>;
      for (const segment of path.slice(0, -1)) owner = owner[segment];
      const method = path.at(-1);
      if (!method) throw new TypeError('the client itself is not callable');
      return Promise.resolve()
        .then(() => owner[method](...args))
        .catch((error: unknown) => {
          throw toStatusPageError(error);
        });
    },
  });
}
