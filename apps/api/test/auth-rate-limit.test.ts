import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http, type HttpResult } from './support/client';
import { expectError, openDatabase, registerAccount, type Sql } from './support/identity';

// A server without tight limits, to create accounts and check results.
let helperApi: ApiServer;
let helper: Http;
let sql: Sql;
const started: ApiServer[] = [];
beforeAll(async () => {
  helperApi = await startTestApi();
  helper = createHttp(helperApi.url);
  sql = openDatabase();
});
afterAll(async () => {
  await Promise.all(started.map((server) => server.close()));
  await sql.end({ timeout: 5 });
  await helperApi.close();
});

/** A fresh api (its own rate-limit keys) with the given limits per 1-minute window. */
async function limitedApi(perIp: number, perAccount: number) {
  const server = await startTestApi({
    RATE_LIMIT_AUTH_PER_IP: String(perIp),
    RATE_LIMIT_AUTH_PER_ACCOUNT: String(perAccount),
  });
  started.push(server);
  // The server answers before its Redis connection is ready; until then the limiter counts in its
  // in-memory fallback and those attempts are forgotten once Redis takes over. Let it connect first.
  await new Promise((resolve) => setTimeout(resolve, 500));
  return createHttp(server.url);
}

function expectRateLimited(response: HttpResult) {
  expectError(response, 429);
  const retryAfter = response.headers.get('retry-after');
  expect(retryAfter).toMatch(/^\d+$/);
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
  expect(Number(retryAfter)).toBeLessThanOrEqual(60);
  expect(response.cookies).toEqual({});
}

const newEmail = () => `${unique('rl')}@example.test`;

async function resetMailCount(userId: string) {
  const rows = await sql`
    select 1 from outbox where kind = 'email.password_reset' and payload->>'user_id' = ${userId}`;
  return rows.length;
}

describe('auth rate limits per ip', () => {
  it('login answers 429 with Retry-After once the ip used its attempts', async () => {
    const http = await limitedApi(3, 100);
    const account = await registerAccount(helper);
    const attempts = [
      await http.post('/api/v1/auth/login', { body: { email: newEmail(), password: 'wrong-pass-1' } }),
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: 'wrong-pass-1' } }),
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
    ];
    expect(attempts.map((response) => response.status)).toEqual([401, 401, 200]);
    expect(attempts[2]?.headers.get('retry-after')).toBeNull();
    // Even the right password is refused now, for any account.
    expectRateLimited(
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
    );
    expectRateLimited(await http.post('/api/v1/auth/login', { body: { email: newEmail(), password: 'x-pass-123' } }));
  });

  it('register answers 429 with Retry-After once the ip used its attempts and creates nothing', async () => {
    const http = await limitedApi(3, 100);
    for (let i = 0; i < 3; i++) {
      const response = await http.post('/api/v1/auth/register', { body: { email: newEmail(), password: 'pass-1234' } });
      expect(response.status, response.text).toBe(201);
    }
    const email = newEmail();
    expectRateLimited(await http.post('/api/v1/auth/register', { body: { email, password: 'pass-1234' } }));
    expect(await sql`select 1 from users where lower(email) = ${email.toLowerCase()}`).toHaveLength(0);
  });

  it('forgot password answers 429 with Retry-After once the ip used its attempts and sends nothing', async () => {
    const http = await limitedApi(3, 100);
    for (let i = 0; i < 3; i++) {
      const response = await http.post('/api/v1/auth/forgot-password', { body: { email: newEmail() } });
      expect(response.status, response.text).toBe(200);
    }
    const account = await registerAccount(helper);
    expectRateLimited(await http.post('/api/v1/auth/forgot-password', { body: { email: account.email } }));
    expect(await resetMailCount(account.id)).toBe(0);
  });

  it('reset password answers 429 with Retry-After once the ip used its attempts', async () => {
    const http = await limitedApi(3, 100);
    for (let i = 0; i < 3; i++) {
      const response = await http.post('/api/v1/auth/reset-password', {
        body: { token: `unknown-token-${i}`, new_password: 'new-pass-1234' },
      });
      expectError(response, 400, 'string');
    }
    expectRateLimited(
      await http.post('/api/v1/auth/reset-password', {
        body: { token: 'unknown-token-x', new_password: 'new-pass-1234' },
      }),
    );
  });

  it('the limits of one server do not leak into another server (separate keys)', async () => {
    const limited = await limitedApi(1, 100);
    const account = await registerAccount(helper);
    const body = { email: account.email, password: account.password };
    expect((await limited.post('/api/v1/auth/login', { body })).status).toBe(200);
    expectRateLimited(await limited.post('/api/v1/auth/login', { body }));
    expect((await helper.post('/api/v1/auth/login', { body })).status).toBe(200);
  });
});

describe('auth rate limits per account', () => {
  it('login answers 429 once the account used its attempts, whatever the case of the e-mail', async () => {
    const http = await limitedApi(1000, 2);
    const account = await registerAccount(helper);
    const other = await registerAccount(helper);
    expect(
      (await http.post('/api/v1/auth/login', { body: { email: account.email, password: 'bad-pass-1' } })).status,
    ).toBe(401);
    expect(
      (await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } })).status,
    ).toBe(200);
    expectRateLimited(
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
    );
    expectRateLimited(
      await http.post('/api/v1/auth/login', {
        body: { email: account.email.toUpperCase(), password: account.password },
      }),
    );
    // Another account from the same ip is not affected.
    expect(
      (await http.post('/api/v1/auth/login', { body: { email: other.email, password: other.password } })).status,
    ).toBe(200);
  });

  it('register answers 429 once the e-mail used its attempts', async () => {
    const http = await limitedApi(1000, 2);
    const email = newEmail();
    expect((await http.post('/api/v1/auth/register', { body: { email, password: 'pass-1234' } })).status).toBe(201);
    expect((await http.post('/api/v1/auth/register', { body: { email, password: 'pass-1234' } })).status).toBe(409);
    expectRateLimited(await http.post('/api/v1/auth/register', { body: { email, password: 'pass-1234' } }));
    expect(
      (await http.post('/api/v1/auth/register', { body: { email: newEmail(), password: 'pass-1234' } })).status,
    ).toBe(201);
  });

  it('reset password answers 429 once a token used its attempts, and other tokens still answer', async () => {
    const http = await limitedApi(1000, 2);
    const body = { token: 'one-guessed-token', new_password: 'new-pass-1234' };
    for (let i = 0; i < 2; i++) expectError(await http.post('/api/v1/auth/reset-password', { body }), 400, 'string');
    expectRateLimited(await http.post('/api/v1/auth/reset-password', { body }));
    expectError(
      await http.post('/api/v1/auth/reset-password', { body: { ...body, token: 'another-token' } }),
      400,
      'string',
    );
  });

  it('forgot password answers 429 once the e-mail used its attempts', async () => {
    const http = await limitedApi(1000, 2);
    const account = await registerAccount(helper);
    for (let i = 0; i < 2; i++) {
      const response = await http.post('/api/v1/auth/forgot-password', { body: { email: account.email } });
      expect(response.status, response.text).toBe(200);
    }
    expectRateLimited(await http.post('/api/v1/auth/forgot-password', { body: { email: account.email } }));
    expect((await http.post('/api/v1/auth/forgot-password', { body: { email: newEmail() } })).status).toBe(200);
    expect(await resetMailCount(account.id)).toBe(1);
  });
});
