import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../examples/incident';
import { createStatusPageClient, StatusPageError } from '../src/index';
import { startSeededApi, type TestApi } from './support/api';

let api: TestApi;

beforeAll(async () => {
  api = await startSeededApi();
});

afterAll(async () => {
  await api?.stop();
});

/** A fetch that records the tRPC procedures each request carried. */
function recordingFetch() {
  const calls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = new URL(typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);
    calls.push(url.pathname.replace(/^\/trpc\//, ''));
    return fetch(input, init);
  };
  return { calls, fetch: fetchImpl };
}

describe('examples/incident.ts', () => {
  it('opens an incident on the api service, posts an update and resolves it', async () => {
    const lines: string[] = [];
    const result = await main({ baseUrl: api.url, log: (line) => lines.push(line) });

    expect(lines[0]).toBe('logged in as operator@example.com (operator)');
    expect(lines.at(-1)).toBe('logged out');

    const client = createStatusPageClient({ baseUrl: api.url });
    const { data: event } = await client.events.get.query({ id: result.incidentId });
    expect(event.type).toBe('incident');
    expect(event.title).toBe('Elevated error rate on the API');
    expect(event.status).toBe('resolved');
    expect(event.resolved_at).toBeTruthy();
    const messages = event.updates.map((update) => update.message);
    expect(messages).toContain('A faulty deploy was identified; rolling back.');
    expect(messages).toContain('The rollback is complete and error rates are back to normal.');
    const { data: service } = await client.services.get.query({ slug: 'api' });
    expect(service.status).toBe('operational');
  });
});

/** A new API key of the development operator, made with the SDK itself. */
async function operatorKey(role: 'user' | 'operator' = 'operator') {
  const owner = createStatusPageClient({ baseUrl: api.url });
  await owner.login('operator@example.com', 'admin123');
  const { data } = await owner.keys.create.mutate({ name: `sdk test ${Date.now()} ${Math.random()}`, role });
  return { owner, key: data };
}

describe('examples/incident.ts with an API key', () => {
  it('runs the incident through with the key: no login, no logout', async () => {
    const { owner, key } = await operatorKey();
    const lines: string[] = [];
    const result = await main({ baseUrl: api.url, apiKey: key.secret, log: (line) => lines.push(line) });
    expect(lines[0]).toBe('using an API key of operator@example.com');
    expect(lines).not.toContain('logged out');
    const { data: event } = await owner.events.get.query({ id: result.incidentId });
    expect(event.status).toBe('resolved');
    expect(event.title).toBe('Elevated error rate on the API');
    // The server recorded the key's use: the example's calls carried it.
    const { data: listed } = await owner.keys.get.query({ id: key.id });
    expect(listed.last_used_at).not.toBeNull();
  });
});

describe('API keys', () => {
  it('createStatusPageClient({ baseUrl, apiKey }) sends the key as the bearer token', async () => {
    const { key } = await operatorKey();
    const seen: (string | null)[] = [];
    const client = createStatusPageClient({
      baseUrl: api.url,
      apiKey: key.secret,
      fetch: (input, init) => {
        seen.push(new Headers(init?.headers).get('authorization'));
        return fetch(input, init);
      },
    });
    const { data: me } = await client.auth.me.query();
    expect(me.email).toBe('operator@example.com');
    const { data: keys } = await client.keys.list.query({});
    expect(keys.map((listed) => listed.id)).toContain(key.id);
    expect(seen).toEqual([`Bearer ${key.secret}`, `Bearer ${key.secret}`]);
    expect(client.getTokens()).toBeUndefined();
  });

  it("a key's role holds through the SDK: a user key opening an incident is FORBIDDEN", async () => {
    const { key } = await operatorKey('user');
    const client = createStatusPageClient({ baseUrl: api.url, apiKey: key.secret });
    const error = await client.events.create
      .mutate({ title: 'Not allowed', type: 'incident', status: 'investigating', description: '' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StatusPageError', code: 'FORBIDDEN', status: 403 });
  });

  it('a revoked key is UNAUTHORIZED, surfaced without a refresh attempt', async () => {
    const { owner, key } = await operatorKey();
    await owner.keys.revoke.mutate({ id: key.id });
    const recorder = recordingFetch();
    const client = createStatusPageClient({ baseUrl: api.url, apiKey: key.secret, fetch: recorder.fetch });
    const error = await client.auth.me.query().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StatusPageError', code: 'UNAUTHORIZED', status: 401 });
    expect(recorder.calls).toEqual(['auth.me']);
  });
});

describe('batching', () => {
  it('a burst of 25 queries is split into batches the server accepts', async () => {
    const recorder = recordingFetch();
    const client = createStatusPageClient({ baseUrl: api.url, fetch: recorder.fetch });
    const results = await Promise.all(Array.from({ length: 25 }, () => client.services.list.query({})));
    expect(results).toHaveLength(25);
    for (const result of results) expect(Array.isArray(result.data)).toBe(true);
    expect(recorder.calls.map((call) => call.split(',').length)).toEqual([10, 10, 5]);
  });

  it('mutations of the same tick go one per request (the server refuses batched mutations)', async () => {
    const recorder = recordingFetch();
    const client = createStatusPageClient({ baseUrl: api.url, fetch: recorder.fetch });
    await Promise.all([client.auth.logout.mutate(undefined), client.auth.logout.mutate(undefined)]);
    expect(recorder.calls).toEqual(['auth.logout', 'auth.logout']);
  });
});

describe('tokens', () => {
  it('login stores the access and refresh tokens and sends the bearer token', async () => {
    const client = createStatusPageClient({ baseUrl: api.url });
    const login = await client.login('operator@example.com', 'admin123');
    expect(login.user.role).toBe('operator');
    expect(client.getTokens()).toMatchObject({ access_token: login.access_token, refresh_token: login.refresh_token });
    const { data: me } = await client.auth.me.query();
    expect(me.email).toBe('operator@example.com');
  });

  it('refreshes once on UNAUTHORIZED, stores the new pair and retries the call', async () => {
    const recorder = recordingFetch();
    const client = createStatusPageClient({ baseUrl: api.url, fetch: recorder.fetch });
    const login = await client.login('operator@example.com', 'admin123');
    // An access token the server no longer accepts (as after its expiry), with a valid refresh token.
    client.setTokens({ access_token: 'expired-access-token', refresh_token: login.refresh_token });
    recorder.calls.length = 0;

    const { data: me } = await client.auth.me.query();

    expect(me.email).toBe('operator@example.com');
    expect(recorder.calls).toEqual(['auth.me', 'auth.refresh', 'auth.me']);
    const tokens = client.getTokens();
    expect(tokens?.access_token).not.toBe('expired-access-token');
    expect(tokens?.refresh_token).not.toBe(login.refresh_token);

    // The rotated pair works; the old refresh token was consumed.
    recorder.calls.length = 0;
    await client.auth.me.query();
    expect(recorder.calls).toEqual(['auth.me']);
  });

  it('renews an access token that expired on the server', async () => {
    const shortLived = await startSeededApi({ AUTH_ACCESS_TOKEN_TTL: '1s' });
    try {
      const recorder = recordingFetch();
      const client = createStatusPageClient({ baseUrl: shortLived.url, fetch: recorder.fetch });
      await client.login('operator@example.com', 'admin123');
      const before = client.getTokens();
      await new Promise((resolve) => setTimeout(resolve, 2_100));
      recorder.calls.length = 0;
      const { data: me } = await client.auth.me.query();
      expect(me.email).toBe('operator@example.com');
      expect(recorder.calls).toEqual(['auth.me', 'auth.refresh', 'auth.me']);
      expect(client.getTokens()?.access_token).not.toBe(before?.access_token);
    } finally {
      await shortLived.stop();
    }
  });

  it('surfaces UNAUTHORIZED when the refresh token is not accepted either (one refresh, no loop)', async () => {
    const recorder = recordingFetch();
    const client = createStatusPageClient({
      baseUrl: api.url,
      token: 'not-a-token',
      refreshToken: 'not-a-refresh-token',
      fetch: recorder.fetch,
    });
    const error = await client.auth.me.query().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StatusPageError);
    expect(error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(recorder.calls).toEqual(['auth.me', 'auth.refresh']);
  });

  it('without a refresh token an UNAUTHORIZED call is not retried', async () => {
    const recorder = recordingFetch();
    const client = createStatusPageClient({ baseUrl: api.url, fetch: recorder.fetch });
    const error = await client.auth.me.query().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StatusPageError', code: 'UNAUTHORIZED', status: 401 });
    expect(recorder.calls).toEqual(['auth.me']);
  });
});

describe('typed errors', () => {
  it('a missing service is NOT_FOUND with the server message', async () => {
    const client = createStatusPageClient({ baseUrl: api.url });
    const error = await client.services.get.query({ slug: 'no-such-service' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StatusPageError);
    const typed = error as StatusPageError;
    expect(typed.code).toBe('NOT_FOUND');
    expect(typed.status).toBe(404);
    expect(typed.message).toBe('service not found');
    expect(typed.path).toBe('services.get');
  });

  it('a user opening an incident is FORBIDDEN', async () => {
    const client = createStatusPageClient({ baseUrl: api.url });
    await client.login('user@example.com', 'user123');
    const error = await client.events.create
      .mutate({ title: 'Not allowed', type: 'incident', status: 'investigating', description: '' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StatusPageError);
    expect(error).toMatchObject({ code: 'FORBIDDEN', status: 403 });
  });

  it('invalid input is BAD_REQUEST with field details', async () => {
    const client = createStatusPageClient({ baseUrl: api.url });
    await client.login('operator@example.com', 'admin123');
    const error = (await client.events.create
      .mutate({ title: '', type: 'incident', status: 'investigating', description: '' })
      .catch((caught: unknown) => caught)) as StatusPageError;
    expect(error).toBeInstanceOf(StatusPageError);
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toBe('validation failed');
    expect(Array.isArray(error.details)).toBe(true);
    expect((error.details as { field: string }[]).map((detail) => detail.field)).toContain('title');
  });

  it('wrong credentials on login are UNAUTHORIZED', async () => {
    const client = createStatusPageClient({ baseUrl: api.url });
    const error = await client.login('operator@example.com', 'wrong-password').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: 'StatusPageError', code: 'UNAUTHORIZED', status: 401 });
    expect(client.getTokens()).toBeUndefined();
  });
});
