/**
 * What a procedure declares about itself, and the one reading of a router's
 * procedures (its `_def` is trpc internals: only `listProcedures` looks at it).
 */
import type { OpenApiMeta, OpenApiRouter } from 'trpc-to-openapi';
import type { GuessedSecret, RateLimitedAction } from '../rate-limit';

export type { OpenApiMeta, OpenApiRouter } from 'trpc-to-openapi';

/** The cache rules a public answer is kept under (their content: `http/public-cache/policy.ts`). */
export type PublicCacheRules = 'public';

/** Whose attempts an operation counts, besides the client's ip. */
export type RateLimitAccount =
  /** An input field (an e-mail address). */
  | { field: string }
  /** The SHA-256 of an input field (a token: the limiter's keys never hold a usable one). */
  | { hashedField: string }
  /** The signed-in caller. */
  | 'caller';

/** How an operation is rate-limited (the limits themselves: `http/rate-limit.ts`). */
export type RateLimitPolicy =
  /** Every call counts, per ip and per account; over the limit, 429 with Retry-After. */
  | { attempts: RateLimitedAction; account: RateLimitAccount }
  /**
   * A secret guessed against an account: only wrong guesses count (the call
   * failing with the domain error `wrongCode`); 429 when this ip is out of
   * guesses, a growing delay when the account is under attack.
   */
  | { guesses: GuessedSecret; account: RateLimitAccount; wrongCode: string }
  /** Every call counts against the account's own budget from this ip (an integration's endpoint); 429 past it. */
  | { budget: 'integration'; account: RateLimitAccount };

/** What each procedure declares about itself besides its REST identity (`openapi`). */
export type RestExtras = {
  /** Least role, set by the procedure builder (publicProcedure, adminProcedure, …). */
  auth?: 'public' | 'user' | 'operator' | 'admin';
  /** Success status; 204 sends no body. */
  status?: 200 | 201 | 204;
  /** Body field → input field, for body fields named like a path parameter. */
  bodyAliases?: Record<string, string>;
  /** Validation details as `[{field, message}]` (default) or one string (the contract's plain `Error`). */
  errorDetails?: 'fields' | 'string';
  /** Its rate limit, applied before its input schema (rate-limited operations document 429). */
  rateLimit?: RateLimitPolicy;
  /**
   * Queries: the answer is public data, served to anonymous callers from the
   * public read cache under these rules.
   */
  publicCache?: PublicCacheRules;
  /**
   * Mutations: whether a success may change public data, and so clears the
   * public read cache (here and on the other replicas) before its response is
   * sent. Default true; `false` keeps the cache warm for writes of one's own
   * account (sign-in, profile, channels).
   */
  invalidatesPublicData?: boolean;
};
export type RestMeta = OpenApiMeta<RestExtras>;

interface ProcedureLike {
  _def: { meta?: RestMeta; inputs: unknown[]; type: string };
}

export interface ProcedureInfo {
  /** Dotted tRPC path (`services.get`). */
  path: string;
  meta: RestMeta | undefined;
  type: string;
  /** The input schemas, in the order they were declared. */
  inputs: unknown[];
}

/** Every procedure of the router with its dotted path. */
export function listProcedures(router: OpenApiRouter): ProcedureInfo[] {
  const procedures = (router as unknown as { _def: { procedures: Record<string, ProcedureLike> } })._def.procedures;
  return Object.entries(procedures).map(([path, procedure]) => ({
    path,
    meta: procedure._def.meta,
    type: procedure._def.type,
    inputs: procedure._def.inputs,
  }));
}

/** The pattern of an OpenAPI path template (`/api/v1/services/{slug}`), a trailing slash allowed. */
export function routeTemplatePattern(template: string) {
  return new RegExp(`^${routeTemplateSource(template)}/?$`);
}

/** The template as a regular-expression source, without anchors (to combine several). */
export function routeTemplateSource(template: string) {
  return template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+');
}
