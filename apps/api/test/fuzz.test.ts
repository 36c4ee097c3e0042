/**
 * Property-based fuzzing of every REST operation of our own OpenAPI document
 * (buildOpenApiDocument), as every role: anonymous, user, operator, admin.
 *
 * For every request:
 * - never a 5xx;
 * - a role below the operation's least role gets 401 (anonymous) or 403,
 *   whatever the input (authentication comes before validation);
 * - a request that must fail (malformed body, wrong types, unknown fields,
 *   control characters, huge strings, deep nesting, non-object roots, path ids
 *   that are not ids, bad query values) never gets a 2xx;
 * - a refused write (any status ≥ 400) changes no row of any table.
 *
 * The api runs on a database of its own (other test files write to the shared
 * one concurrently, which would blur the no-change check). Fixed seed and a
 * bounded count here; `pnpm --filter @statuspage/api fuzz` with FUZZ_RUNS and
 * FUZZ_SEED runs longer.
 */
import { performance } from 'node:perf_hooks';
import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../src/app';
import type { ApiServer } from '../src/server';
import { leastRole } from './data/rbac-matrix';
import { startTestApi } from './support/api';
import { createHttp, type Http } from './support/client';
import { createAccount, devAccounts, login } from './support/factories';
import { type FuzzRequest, type Operation, operationsOf, type Pools, requestArb, urlOf } from './support/fuzz';

/** Requests per operation and role (CI default: ~1,700 requests in all). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 9);
const SEED = Number(process.env.FUZZ_SEED ?? 11);
const roles = ['anonymous', 'user', 'operator', 'admin'] as const;
type FuzzRole = (typeof roles)[number];
const rank: Record<FuzzRole, number> = { anonymous: 0, user: 1, operator: 2, admin: 3 };

/** Operations that end the caller's session: each such request signs in afresh, so the role's token lives on. */
const endsSession = new Set(['logout', 'changePassword']);

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let api: ApiServer;
let http: Http;
let sql: postgres.Sql;
const accounts: Record<Exclude<FuzzRole, 'anonymous'>, { email: string; password: string; id: string }> = {
  user: { email: '', password: '', id: '' },
  operator: { email: '', password: '', id: '' },
  admin: { email: devAccounts.admin.email, password: devAccounts.admin.password, id: '' },
};
const tokens: Record<FuzzRole, string> = { anonymous: '', user: '', operator: '', admin: '' };

beforeAll(async () => {
  database = await createTestDatabase('sp_api_fuzz');
  const client = await createDb({ url: database.url, poolSize: 1 });
  await seedDevelopmentData(client.db);
  await client.close();
  api = await startTestApi({ DATABASE_URL: database.url });
  http = createHttp(api.url);
  sql = postgres(database.url, { max: 1, onnotice: () => {} });
  for (const role of ['user', 'operator'] as const) {
    const account = await createAccount(http, role);
    // Accounts created by an admin must change their password first: do it, so they act normally.
    const changed = await http.put('/api/v1/me/password', {
      token: account.token,
      body: { current_password: account.password, new_password: 'fuzz-password-1' },
    });
    expect(changed.status, changed.text).toBe(204);
    accounts[role] = { email: account.email, password: 'fuzz-password-1', id: account.id };
  }
  for (const role of ['user', 'operator', 'admin'] as const) {
    tokens[role] = await login(http, accounts[role].email, accounts[role].password);
  }
  const [admin] = await sql<{ id: string }[]>`select id from users where email = ${devAccounts.admin.email}`;
  accounts.admin.id = admin?.id ?? '';
  // Something for the valid requests to act on besides the seeded catalogue.
  for (let index = 0; index < 3; index++) {
    await http.post('/api/v1/users', {
      token: tokens.admin,
      body: { email: `fuzz-victim-${index}@example.test`, password: 'victim-password-1', role: 'user' },
    });
  }
  const service = await http.get('/api/v1/services/api');
  await http.post('/api/v1/events', {
    token: tokens.operator,
    body: {
      title: 'Fuzz incident',
      type: 'incident',
      status: 'investigating',
      severity: 'minor',
      description: 'seeded',
      affected_services: [{ service_id: service.body.data.id, status: 'degraded' }],
    },
  });
  // A key of each of two owners, so /keys/{id} is tried with ids that exist (its own and another's).
  for (const role of ['operator', 'admin'] as const) {
    await http.post('/api/v1/keys', { token: tokens[role], body: { name: `Fuzz key of ${role}`, role: 'user' } });
  }
}, 120_000);

afterAll(async () => {
  await sql?.end({ timeout: 5 });
  await api?.close();
  await database?.drop();
});

/** Existing ids and slugs per path parameter, read from the database (refreshed as requests create things). */
async function loadPools(): Promise<Pools> {
  const fixtureIds = Object.values(accounts).map((account) => account.id);
  const column = async (query: Promise<{ v: string }[]>) => (await query).map((row) => String(row.v));
  const byPath: [RegExp, string, readonly string[]][] = [
    [/^\/api\/v1\/users\//, 'id', await column(sql`select id::text as v from users where id <> all(${fixtureIds})`)],
    [/^\/api\/v1\/events\//, 'id', await column(sql`select id::text as v from events`)],
    [/^\/api\/v1\/keys\//, 'id', await column(sql`select id::text as v from api_keys`)],
    [/^\/api\/v1\/me\/channels\//, 'id', await column(sql`select id::text as v from notification_channels`)],
    [/^\/api\/v1\/templates\/\{id\}/, 'id', await column(sql`select id::text as v from templates`)],
    [/^\/api\/v1\/templates\/\{slug\}/, 'slug', await column(sql`select slug as v from templates`)],
    [/^\/api\/v1\/services\//, 'slug', await column(sql`select slug as v from services`)],
    [/^\/api\/v1\/groups\//, 'slug', await column(sql`select slug as v from service_groups`)],
    [/deliveries\//, 'id', await column(sql`select id::text as v from notification_deliveries`)],
    [/^\/services\//, 'slug', await column(sql`select slug as v from services`)],
    [/^\/groups\//, 'slug', await column(sql`select slug as v from service_groups`)],
  ];
  const ids = [
    ...(await column(sql`select id::text as v from services`)),
    ...(await column(sql`select id::text as v from service_groups`)),
    ...(await column(sql`select id::text as v from templates`)),
  ];
  return {
    ids,
    pathValues: (path, name) => byPath.find(([pattern, param]) => pattern.test(path) && param === name)?.[2] ?? [],
  };
}

/** One fingerprint per table: any insert, update or delete changes it. */
async function snapshot(): Promise<Record<string, string>> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const query = tables
    .map(
      ({ name }) =>
        `select '${name}' as name, md5(coalesce(string_agg(t::text, ',' order by t::text), '')) as hash from "${name}" t`,
    )
    .join(' union all ');
  const rows = await sql.unsafe<{ name: string; hash: string }[]>(query);
  return Object.fromEntries(rows.map((row) => [row.name, row.hash]));
}

/**
 * Rows a refused request may legitimately write: a wrong verification code
 * counts against its code's attempts (the brute-force limit).
 */
const writesOnRefusal: Record<string, string[]> = { verifyChannel: ['channel_verifications'] };

async function tokenFor(role: FuzzRole, operation: Operation) {
  if (role === 'anonymous') return undefined;
  if (!endsSession.has(operation.operationId)) return tokens[role];
  return login(http, accounts[role].email, accounts[role].password);
}

async function send(operation: Operation, request: FuzzRequest, token: string | undefined) {
  const options = { ...(token ? { token } : {}) };
  const url = urlOf(operation, request);
  if ('json' in request.body) return http.request(operation.method, url, { ...options, body: request.body.json });
  if ('raw' in request.body) return http.request(operation.method, url, { ...options, raw: request.body.raw });
  return http.request(operation.method, url, options);
}

describe('fuzz: every operation of the OpenAPI document, every role', () => {
  it(
    'never answers 5xx, authenticates first, refuses what must fail and changes nothing when it refuses',
    async () => {
      const operations = operationsOf(buildOpenApiDocument());
      expect(operations.length).toBeGreaterThan(40);
      const started = performance.now();
      let requests = 0;
      let pools = await loadPools();
      let state = await snapshot();
      const covered = new Set<string>();
      for (const [opIndex, operation] of operations.entries()) {
        const least: FuzzRole = (operation.protected ? leastRole[operation.operationId] : undefined) ?? 'anonymous';
        expect(operation.protected, operation.operationId).toBe(least !== 'anonymous');
        for (const [roleIndex, role] of roles.entries()) {
          await fc.assert(
            fc.asyncProperty(requestArb(operation, pools), fc.boolean(), async (request, garbageToken) => {
              const token =
                role === 'anonymous' ? (garbageToken ? 'garbage.token' : undefined) : await tokenFor(role, operation);
              if (endsSession.has(operation.operationId)) state = await snapshot();
              const response = await send(operation, request, token);
              requests++;
              covered.add(`${operation.operationId}:${role}`);
              const what = `${operation.method} ${urlOf(operation, request).slice(0, 120)} as ${role} (${request.label}) → ${response.status} ${response.text.slice(0, 200)}`;
              expect(response.status, what).toBeLessThan(500);
              if (rank[role] < rank[least]) {
                expect(role === 'anonymous' ? [401] : [401, 403], what).toContain(response.status);
              } else if (request.mustFail) {
                expect(response.status, what).toBeGreaterThanOrEqual(400);
              }
              if (operation.method !== 'GET') {
                const after = await snapshot();
                if (response.status >= 400) {
                  const allowed = new Set(writesOnRefusal[operation.operationId] ?? []);
                  const changed = Object.keys(after).filter(
                    (table) => after[table] !== state[table] && !allowed.has(table),
                  );
                  expect(changed, `${what}: a refused write changed data`).toEqual([]);
                }
                state = after;
              }
            }),
            { numRuns: RUNS, seed: SEED + opIndex * 10 + roleIndex, endOnFailure: true },
          );
        }
        if (opIndex % 8 === 7) pools = await loadPools();
      }
      const seconds = (performance.now() - started) / 1000;
      const counts = {
        requests,
        operations: operations.length,
        roles: roles.length,
        seconds: Number(seconds.toFixed(1)),
      };
      console.log(`fuzz: ${JSON.stringify(counts)} (seed ${SEED}, ${RUNS} per operation and role)`);
      expect(covered.size).toBe(operations.length * roles.length);
    },
    30 * 60_000,
  );
});
