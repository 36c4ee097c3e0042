import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http, type HttpResult } from './support/client';
import { expectError, openDatabase, registerAccount, type Sql, signIn } from './support/identity';

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
  it('login answers 429 with Retry-After once the ip used its failed attempts', async () => {
    const http = await limitedApi(3, 100);
    const account = await registerAccount(helper);
    const attempts = [
      await http.post('/api/v1/auth/login', { body: { email: newEmail(), password: 'wrong-pass-1' } }),
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: 'wrong-pass-1' } }),
      await http.post('/api/v1/auth/login', { body: { email: newEmail(), password: 'wrong-pass-2' } }),
    ];
    expect(attempts.map((response) => response.status)).toEqual([401, 200, 401, 401]);
    expect(attempts[1]?.headers.get('retry-after')).toBeNull();
    // Three failures: even the right password is refused now from this ip, for any account.
    expectRateLimited(
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
    );
    expectRateLimited(await http.post('/api/v1/auth/login', { body: { email: newEmail(), password: 'x-pass-123' } }));
    // Another ip is not affected.
    const elsewhere = await http.post('/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(elsewhere.status, elsewhere.text).toBe(200);
  });

  it('successful logins never count: a client that signs in often is not refused', async () => {
    const http = await limitedApi(2, 2);
    const account = await registerAccount(helper);
    for (let i = 0; i < 6; i++) {
      const response = await http.post('/api/v1/auth/login', {
        body: { email: account.email, password: account.password },
      });
      expect(response.status, response.text).toBe(200);
    }
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
    const wrong = { email: account.email, password: 'wrong-pass-1' };
    expect((await limited.post('/api/v1/auth/login', { body: wrong })).status).toBe(401);
    expectRateLimited(await limited.post('/api/v1/auth/login', { body: wrong }));
    expect((await helper.post('/api/v1/auth/login', { body: wrong })).status).toBe(401);
  });
});

describe('auth rate limits per account', () => {
  it('login answers 429 to the ip that used the failed attempts of an account, whatever the case of the e-mail', async () => {
    const http = await limitedApi(1000, 2);
    const account = await registerAccount(helper);
    const other = await registerAccount(helper);
    for (let i = 0; i < 2; i++) {
      const response = await http.post('/api/v1/auth/login', {
        body: { email: account.email, password: 'bad-pass-1' },
      });
      expect(response.status).toBe(401);
    }
    expectRateLimited(
      await http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
    );
    expectRateLimited(
      await http.post('/api/v1/auth/login', {
        body: { email: account.email.toUpperCase(), password: account.password },
      }),
    );
    // Another account from the same ip is not affected, nor the account from another ip.
    expect(
      (await http.post('/api/v1/auth/login', { body: { email: other.email, password: other.password } })).status,
    ).toBe(200);
    const elsewhere = await http.post('/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
      headers: { 'x-forwarded-for': '203.0.113.8' },
    });
    expect(elsewhere.status, elsewhere.text).toBe(200);
  });

  it('wrong passwords for an account from rotating addresses do not lock its owner out', async () => {
    const http = await limitedApi(1000, 2);
    const account = await registerAccount(helper);
    for (let i = 1; i <= 4; i++) {
      const response = await http.post('/api/v1/auth/login', {
        body: { email: account.email, password: `bad-pass-${i}` },
        headers: { 'x-forwarded-for': `198.51.100.${i}` },
      });
      expect(response.status, response.text).toBe(401);
    }
    // Slowed down (a growing delay, see rate-limit.test.ts), never refused.
    const owner = await http.post('/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
      headers: { 'x-forwarded-for': '198.51.100.200' },
    });
    expect(owner.status, owner.text).toBe(200);
  });

  it('change password answers 429 once the account used its wrong current-password guesses', async () => {
    const http = await limitedApi(1000, 2);
    const account = await registerAccount(helper);
    const session = await signIn(http, account.email, account.password);
    for (let i = 0; i < 2; i++) {
      const response = await http.put('/api/v1/me/password', {
        token: session.access,
        body: { current_password: `wrong-current-${i}`, new_password: 'new-pass-1234' },
      });
      expectError(response, 400, 'fields');
    }
    expectRateLimited(
      await http.put('/api/v1/me/password', {
        token: session.access,
        body: { current_password: account.password, new_password: 'new-pass-1234' },
      }),
    );
    // Nothing changed: the old password still signs in.
    await signIn(http, account.email, account.password);
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

describe('auth rate limits and refused input', () => {
  it('a register the input schema refuses is not an attempt: it answers 400 and leaves the ip its attempts', async () => {
    const http = await limitedApi(2, 100);
    for (let index = 0; index < 4; index += 1) {
      const refused = await http.post('/api/v1/auth/register', {
        body: { email: newEmail(), password: 'x', first_name: 'A', last_name: 'B' },
      });
      expectError(refused, 400, 'fields');
    }
    const body = () => ({ email: newEmail(), password: 'correct-horse-1', first_name: 'A', last_name: 'B' });
    expect((await http.post('/api/v1/auth/register', { body: body() })).status).toBe(201);
    expect((await http.post('/api/v1/auth/register', { body: body() })).status).toBe(201);
    expectRateLimited(await http.post('/api/v1/auth/register', { body: body() }));
  });
});
