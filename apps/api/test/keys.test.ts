import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_KEY_PATTERN } from '@statuspage/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { createHttp, type Http, type HttpResult } from './support/client';
import { adminToken, createAccount, type Role } from './support/factories';
import { expectError, expectNoContent, openDatabase, RFC3339_UTC, type Sql, UUID } from './support/identity';

/** The documented form of a key (docs/api/09-keys.md, README), written out here rather than imported. */
const KEY_FORM = /^sp_live_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/;
const keyFields = [
  'created_at',
  'expires_at',
  'id',
  'last_used_at',
  'name',
  'owner_email',
  'owner_id',
  'prefix',
  'role',
].sort();

/** Requests each key may make per window in this file's api (the rate-limit test spends one key's budget). */
const KEY_BUDGET = 12;

let api: ApiServer;
let http: Http;
let sql: Sql;
let admin: string;
let operator: Awaited<ReturnType<typeof createAccount>>;
let user: Awaited<ReturnType<typeof createAccount>>;

beforeAll(async () => {
  // Some tests edit keys and owners in the database behind the api's back: with AUTH_CACHE_TTL the api
  // would see that within the TTL (auth-cache.test.ts covers the cache); here every request asks.
  api = await startTestApi({
    RATE_LIMIT_API_KEY_REQUESTS: String(KEY_BUDGET),
    RATE_LIMIT_API_KEY_WINDOW: '1m',
    AUTH_CACHE_TTL: '0',
  });
  http = createHttp(api.url);
  sql = openDatabase();
  admin = await adminToken(http);
  operator = await createAccount(http, 'operator');
  user = await createAccount(http, 'user');
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await api.close();
});

interface CreatedKey {
  id: string;
  secret: string;
  prefix: string;
  name: string;
  role: Role;
  owner_id: string;
  owner_email: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
}

let counter = 0;
/** Creates a key over REST with the given credential; fails the test unless it is 201. */
async function createKey(token: string, body: Record<string, unknown> = {}): Promise<CreatedKey> {
  counter += 1;
  const response = await http.post('/api/v1/keys', {
    token,
    body: { name: `key ${counter} ${randomUUID()}`, role: 'operator', ...body },
  });
  expect(response.status, response.text).toBe(201);
  return response.body.data as CreatedKey;
}

async function listKeys(token: string) {
  const response = await http.get('/api/v1/keys', { token });
  expect(response.status, response.text).toBe(200);
  return response.body.data as Record<string, unknown>[];
}

/** The key as the owner's list shows it (listed with a session token, so listing is no use of the key). */
async function listed(ownerToken: string, id: string) {
  return (await listKeys(ownerToken)).find((key) => key.id === id);
}

const me = (token: string) => http.get('/api/v1/me', { token });
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** A tRPC call over HTTP (query: GET with `input`; mutation: POST with the input as body). */
function trpc(kind: 'query' | 'mutation', path: string, input: unknown, token?: string): Promise<HttpResult> {
  const options = token ? { token } : {};
  if (kind === 'query') {
    const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return http.get(`/trpc/${path}${query}`, options);
  }
  return http.post(`/trpc/${path}`, { body: input, ...options });
}

/** A refused tRPC call: the HTTP status, the tRPC code of that status and the `{message}` envelope. */
function expectTrpcError(response: HttpResult, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(response.body.error.data.httpStatus).toBe(status);
  expect(response.body.error.error.message).toEqual(expect.any(String));
}

describe('keys create', () => {
  it('answers the secret once, in the documented form, with the key as lists show it', async () => {
    const before = Date.now();
    const expires = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const response = await http.post('/api/v1/keys', {
      token: admin,
      body: { name: '  deploy bot  ', role: 'operator', expires_at: expires },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const key = response.body.data as CreatedKey;
    expect(Object.keys(key).sort()).toEqual([...keyFields, 'secret'].sort());
    expect(key.id).toMatch(UUID);
    expect(key.secret).toMatch(KEY_FORM);
    expect(key.prefix).toBe(key.secret.slice(0, 'sp_live_'.length + 8));
    expect(key).toMatchObject({ name: 'deploy bot', role: 'operator', last_used_at: null, expires_at: expires });
    expect(key.owner_email).toBe('admin@example.com');
    expect(key.created_at).toMatch(RFC3339_UTC);
    expect(Date.parse(key.created_at)).toBeGreaterThanOrEqual(before - 1000);

    // Stored as its SHA-256 only: no column of the row holds the secret.
    const rows = await sql`select * from api_keys where id = ${key.id}`;
    expect(rows).toHaveLength(1);
    expect(rows[0]?.secret_hash).toBe(sha256(key.secret));
    expect(JSON.stringify(rows[0])).not.toContain(key.secret.slice('sp_live_'.length + 9));
  });

  it('never shows the secret again: list and get (REST and tRPC) have the key without it', async () => {
    const key = await createKey(admin);
    const list = await http.get('/api/v1/keys', { token: admin });
    const get = await http.get(`/api/v1/keys/${key.id}`, { token: admin });
    const trpcList = await trpc('query', 'keys.list', {}, admin);
    const trpcGet = await trpc('query', 'keys.get', { id: key.id }, admin);
    for (const response of [list, get, trpcList, trpcGet]) {
      expect(response.status, response.text).toBe(200);
      expect(response.text).toContain(key.id);
      expect(response.text).not.toContain(key.secret);
      expect(response.text).not.toContain(sha256(key.secret));
    }
    const { secret: _secret, ...shown } = key;
    expect(get.body.data).toEqual(shown);
    expect(list.body.data).toContainEqual(shown);
    expect(trpcGet.body.result.data.data).toEqual(shown);
  });

  it('creates over tRPC too, the secret in that answer only', async () => {
    const response = await trpc('mutation', 'keys.create', { name: 'trpc key', role: 'user' }, admin);
    expect(response.status, response.text).toBe(200);
    const created = response.body.result.data.data as CreatedKey;
    expect(created.secret).toMatch(KEY_FORM);
    expect(created.role).toBe('user');
    expect((await me(created.secret)).status).toBe(200);
  });

  it('refuses invalid input with 400 and the field, creating nothing', async () => {
    const keyCount = async () =>
      (await sql<{ count: number }[]>`select count(*)::int as count from api_keys`)[0]?.count;
    const before = await keyCount();
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '   ', role: 'user' }, 'name'],
      [{ name: 'x'.repeat(101), role: 'user' }, 'name'],
      [{ name: 'a', role: 'owner' }, 'role'],
      [{ role: 'user' }, 'name'],
      [{ name: 'a', role: 'user', expires_at: 'tomorrow' }, 'expires_at'],
      [{ name: 'a', role: 'user', expires_at: new Date(Date.now() - 1000).toISOString() }, 'expires_at'],
      [{ name: 'a', role: 'user', secret: 'sp_live_chosen' }, 'secret'],
    ];
    for (const [body, field] of cases) {
      const response = await http.post('/api/v1/keys', { token: admin, body });
      expectError(response, 400, 'fields');
      expect(
        (response.body.error.details as { field: string }[]).map((detail) => detail.field),
        JSON.stringify(body),
      ).toContain(field);
    }
    expect(await keyCount()).toBe(before);
  });
});

describe('keys authentication', () => {
  it('a key is accepted as a bearer token on REST and tRPC, as its owner', async () => {
    const key = await createKey(operator.token);
    const rest = await me(key.secret);
    expect(rest.status, rest.text).toBe(200);
    expect(rest.body.data).toMatchObject({ id: operator.id, email: operator.email });
    const viaTrpc = await trpc('query', 'auth.me', undefined, key.secret);
    expect(viaTrpc.status, viaTrpc.text).toBe(200);
    expect(viaTrpc.body.result.data.data.id).toBe(operator.id);
  });

  it('needs no CSRF token and sets no cookies for writes, over REST and tRPC', async () => {
    const key = await createKey(operator.token);
    const rest = await http.post('/api/v1/keys', { token: key.secret, body: { name: 'made by a key', role: 'user' } });
    expect(rest.status, rest.text).toBe(201);
    expect(rest.body.data.owner_id).toBe(operator.id);
    expect(rest.headers.getSetCookie()).toEqual([]);
    const viaTrpc = await trpc(
      'mutation',
      'keys.create',
      { name: 'made by a key over trpc', role: 'user' },
      key.secret,
    );
    expect(viaTrpc.status, viaTrpc.text).toBe(200);
    expect(viaTrpc.headers.getSetCookie()).toEqual([]);
    // An access token in a cookie does need it: the difference is the credential, not the operation.
    const cookie = await http.post('/api/v1/keys', {
      cookie: `access_token=${operator.token}`,
      body: { name: 'cookie', role: 'user' },
    });
    expectError(cookie, 403);
  });

  it('a key in the access_token cookie is not a credential (401)', async () => {
    const key = await createKey(operator.token);
    const response = await http.get('/api/v1/me', { cookie: `access_token=${key.secret}` });
    expectError(response, 401);
  });

  it('an unknown key of the right form, or a mangled one, answers 401', async () => {
    const key = await createKey(operator.token);
    const unknown = `sp_live_${'A'.repeat(8)}_${'b'.repeat(32)}`;
    const mangled = `${key.secret.slice(0, -1)}${key.secret.endsWith('x') ? 'y' : 'x'}`;
    for (const token of [unknown, mangled, `${key.secret}x`]) {
      expectError(await me(token), 401);
      expectTrpcError(await trpc('query', 'keys.list', {}, token), 401);
    }
  });

  it('updates last_used_at at most once a minute (two calls → one write)', async () => {
    const key = await createKey(operator.token);
    expect((await listed(operator.token, key.id))?.last_used_at).toBeNull();
    const before = Date.now();
    expect((await me(key.secret)).status).toBe(200);
    const first = (await listed(operator.token, key.id))?.last_used_at as string;
    expect(first).toMatch(RFC3339_UTC);
    expect(Date.parse(first)).toBeGreaterThanOrEqual(before - 1000);
    // A second call a few milliseconds later writes nothing: the list shows the first use.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await me(key.secret)).status).toBe(200);
    expect((await listed(operator.token, key.id))?.last_used_at).toBe(first);
    // A minute later (the stored use moved back) the next call writes again.
    await sql`update api_keys set last_used_at = last_used_at - interval '61 seconds' where id = ${key.id}`;
    const again = Date.now();
    expect((await me(key.secret)).status).toBe(200);
    const third = (await listed(operator.token, key.id))?.last_used_at as string;
    expect(Date.parse(third)).toBeGreaterThanOrEqual(again - 1000);
    expect(Date.parse(third)).toBeGreaterThan(Date.parse(first));
  });

  it('expiry: a key works until its expires_at, then answers 401', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const key = await createKey(operator.token, { expires_at: expires });
    expect((await me(key.secret)).status).toBe(200);
    expect((await listed(operator.token, key.id))?.expires_at).toBe(expires);
    await sql`update api_keys set expires_at = now() - interval '1 second' where id = ${key.id}`;
    expectError(await me(key.secret), 401);
    expectTrpcError(await trpc('query', 'auth.me', undefined, key.secret), 401);
    // Still listed (with its expiry), so its owner sees why it stopped.
    expect(await listed(operator.token, key.id)).toBeDefined();
  });

  it('a deactivated owner: every key answers 401, and stays revoked after reactivation', async () => {
    const owner = await createAccount(http, 'operator');
    const key = await createKey(owner.token);
    const other = await createKey(owner.token, { role: 'user' });
    expect((await me(key.secret)).status).toBe(200);
    const off = await http.patch(`/api/v1/users/${owner.id}`, { token: admin, body: { is_active: false } });
    expect(off.status, off.text).toBe(200);
    expectError(await me(key.secret), 401);
    expectError(await me(other.secret), 401);
    const on = await http.patch(`/api/v1/users/${owner.id}`, { token: admin, body: { is_active: true } });
    expect(on.status, on.text).toBe(200);
    expectError(await me(key.secret), 401);
    expect((await listKeys(admin)).map((listedKey) => listedKey.id)).not.toContain(key.id);
  });

  it('an inactive owner is refused even with a key that was never revoked', async () => {
    const owner = await createAccount(http, 'operator');
    const key = await createKey(owner.token);
    await sql`update users set is_active = false where id = ${owner.id}`;
    expectError(await me(key.secret), 401);
    await sql`update users set is_active = true where id = ${owner.id}`;
    expect((await me(key.secret)).status).toBe(200);
  });
});

describe('keys revoke', () => {
  it('a revoked key answers 401 at once; revoking again is 404; lists no longer show it', async () => {
    const key = await createKey(operator.token);
    expect((await me(key.secret)).status).toBe(200);
    const response = await http.delete(`/api/v1/keys/${key.id}`, { token: operator.token });
    expectNoContent(response);
    expectError(await me(key.secret), 401);
    expectTrpcError(await trpc('query', 'auth.me', undefined, key.secret), 401);
    expectError(await http.delete(`/api/v1/keys/${key.id}`, { token: operator.token }), 404);
    expectError(await http.get(`/api/v1/keys/${key.id}`, { token: operator.token }), 404);
    expect((await listKeys(operator.token)).map((listedKey) => listedKey.id)).not.toContain(key.id);
  });

  it('revokes over tRPC', async () => {
    const key = await createKey(operator.token);
    const response = await trpc('mutation', 'keys.revoke', { id: key.id }, operator.token);
    expect(response.status, response.text).toBe(200);
    expectError(await me(key.secret), 401);
  });

  it('unknown or malformed ids answer 404', async () => {
    expectError(await http.delete(`/api/v1/keys/${randomUUID()}`, { token: admin }), 404);
    expectError(await http.get(`/api/v1/keys/${randomUUID()}`, { token: admin }), 404);
    expectError(await http.get('/api/v1/keys/not-a-uuid', { token: admin }), 404);
  });
});

describe('keys visibility', () => {
  it('operators see and revoke only their own keys; admins see and revoke every key', async () => {
    const mine = await createKey(operator.token);
    const other = await createAccount(http, 'operator');
    const theirs = await createKey(other.token);
    const ownList = (await listKeys(operator.token)).map((key) => key.owner_id);
    expect(ownList.length).toBeGreaterThan(0);
    expect(new Set(ownList)).toEqual(new Set([operator.id]));
    expectError(await http.get(`/api/v1/keys/${theirs.id}`, { token: operator.token }), 404);
    expectError(await http.delete(`/api/v1/keys/${theirs.id}`, { token: operator.token }), 404);
    expect((await me(theirs.secret)).status).toBe(200);

    const all = await listKeys(admin);
    expect(all.map((key) => key.id)).toEqual(expect.arrayContaining([mine.id, theirs.id]));
    expect(all.find((key) => key.id === theirs.id)).toMatchObject({ owner_id: other.id, owner_email: other.email });
    expectNoContent(await http.delete(`/api/v1/keys/${theirs.id}`, { token: admin }));
    expectError(await me(theirs.secret), 401);
  });

  it('lists newest first', async () => {
    const first = await createKey(operator.token);
    const second = await createKey(operator.token);
    const ids = (await listKeys(operator.token)).map((key) => key.id);
    expect(ids.indexOf(second.id)).toBeLessThan(ids.indexOf(first.id));
  });
});

describe('keys role ceilings', () => {
  it('admins create keys of every role; operators of operator and below; users none (403)', async () => {
    for (const role of ['user', 'operator', 'admin'] as const) {
      expect((await createKey(admin, { role })).role).toBe(role);
    }
    for (const role of ['user', 'operator'] as const) {
      expect((await createKey(operator.token, { role })).role).toBe(role);
    }
    expectError(await http.post('/api/v1/keys', { token: operator.token, body: { name: 'x', role: 'admin' } }), 403);
    expectTrpcError(await trpc('mutation', 'keys.create', { name: 'x', role: 'admin' }, operator.token), 403);
    for (const role of ['user', 'operator', 'admin'] as const) {
      expectError(await http.post('/api/v1/keys', { token: user.token, body: { name: 'x', role } }), 403);
    }
  });

  it('a key acts with its own role: a user key is refused operator operations (403)', async () => {
    const key = await createKey(operator.token, { role: 'user' });
    expect((await me(key.secret)).status).toBe(200);
    expectError(await http.get('/api/v1/keys', { token: key.secret }), 403);
    expectTrpcError(await trpc('query', 'keys.list', {}, key.secret), 403);
    expectError(await http.post('/api/v1/keys', { token: key.secret, body: { name: 'x', role: 'user' } }), 403);
  });

  it('a key cannot create a key above its own role, though its owner could', async () => {
    const key = await createKey(admin, { role: 'operator' });
    expectError(await http.post('/api/v1/keys', { token: key.secret, body: { name: 'x', role: 'admin' } }), 403);
    expectTrpcError(await trpc('mutation', 'keys.create', { name: 'x', role: 'admin' }, key.secret), 403);
    expectError(await http.get('/api/v1/users', { token: key.secret }), 403);
    const lower = await http.post('/api/v1/keys', { token: key.secret, body: { name: 'y', role: 'operator' } });
    expect(lower.status, lower.text).toBe(201);
    // An operator key sees what an operator sees: its owner's keys only, though the owner is an admin.
    const seen = (await listKeys(key.secret)).map((listedKey) => listedKey.owner_id);
    expect(new Set(seen)).toEqual(new Set([key.owner_id]));
  });

  it('a key cannot mint a key that outlives it: the new key expires no later than the one creating it', async () => {
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const parent = await createKey(operator.token, { expires_at: expires });
    const forever = await createKey(parent.secret, { role: 'user' });
    expect(forever.expires_at).toBe(expires);
    const later = await createKey(parent.secret, { expires_at: new Date(Date.now() + 86_400_000).toISOString() });
    expect(later.expires_at).toBe(expires);
    const sooner = new Date(Date.now() + 60_000).toISOString();
    expect((await createKey(parent.secret, { expires_at: sooner })).expires_at).toBe(sooner);
    // A person's own keys have the expiry they ask for.
    expect((await createKey(operator.token)).expires_at).toBeNull();
  });

  it("an admin key whose owner is demoted acts with the owner's new role", async () => {
    const owner = await createAccount(http, 'admin');
    const key = await createKey(owner.token, { role: 'admin' });
    expect((await http.get('/api/v1/users', { token: key.secret })).status).toBe(200);
    const demoted = await http.patch(`/api/v1/users/${owner.id}`, { token: admin, body: { role: 'operator' } });
    expect(demoted.status, demoted.text).toBe(200);
    expectError(await http.get('/api/v1/users', { token: key.secret }), 403);
    expect((await http.get('/api/v1/keys', { token: key.secret })).status).toBe(200);
  });
});

describe('keys rate limit', () => {
  it("each key has its own budget: past it, 429 with Retry-After; other keys and the owner's token go on", async () => {
    const key = await createKey(operator.token);
    const other = await createKey(operator.token);
    for (let i = 0; i < KEY_BUDGET; i++) expect((await me(key.secret)).status).toBe(200);
    const refused = await me(key.secret);
    expectError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expectTrpcError(await trpc('query', 'auth.me', undefined, key.secret), 429);
    expect((await me(other.secret)).status).toBe(200);
    expect((await me(operator.token)).status).toBe(200);
  });

  it('the OpenAPI document lists 429 on every protected operation (a key can be over its budget on any)', async () => {
    const document = (await http.get('/api/openapi.json')).body as {
      paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
    };
    const protectedOperations = Object.values(document.paths)
      .flatMap((methods) => Object.values(methods))
      .filter((operation) => operation.security);
    expect(protectedOperations.length).toBeGreaterThan(20);
    for (const operation of protectedOperations) expect(Object.keys(operation.responses)).toContain('429');
  });
});

describe('keys documentation', () => {
  const root = join(import.meta.dirname, '../../..');
  const guide = readFileSync(join(root, 'docs/api/09-keys.md'), 'utf8');
  const readme = readFileSync(join(root, 'README.md'), 'utf8');

  it("the pattern given to secret scanners is the server's, and matches the keys it issues", async () => {
    expect(guide).toContain(API_KEY_PATTERN.source);
    expect(readme).toContain(API_KEY_PATTERN.source);
    const key = await createKey(admin, { role: 'user' });
    expect(`token: ${key.secret}\n`.match(API_KEY_PATTERN)?.[0]).toBe(key.secret);
    // The guide's sample has the form too (the text a scanner would flag).
    const sample = /^sp_live_\S+$/m.exec(guide)?.[0] ?? '';
    expect(sample).toMatch(KEY_FORM);
  });
});
