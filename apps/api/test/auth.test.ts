import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http } from './support/client';
import { adminToken } from './support/factories';
import { detailFields, expectError, expectUser, parseSetCookie, registerAccount, signIn } from './support/identity';

let api: ApiServer;
let http: Http;
beforeAll(async () => {
  api = await startTestApi();
  http = createHttp(api.url);
});
afterAll(() => api.close());

const password = 'correct-horse-1';
const newEmail = () => `${unique('reg')}@example.test`;

describe('auth registration', () => {
  it('register creates an active user account and answers 201 with it', async () => {
    const email = newEmail();
    const before = Date.now();
    const response = await http.post('/api/v1/auth/register', {
      body: { email, password, first_name: 'Grace', last_name: 'Hopper' },
    });
    expect(response.status, response.text).toBe(201);
    expect(Object.keys(response.body)).toEqual(['data']);
    expectUser(response.body.data, {
      email,
      first_name: 'Grace',
      last_name: 'Hopper',
      role: 'user',
      is_active: true,
      must_change_password: false,
    });
    expect(Date.parse(response.body.data.created_at)).toBeGreaterThanOrEqual(before - 5_000);
    expect(response.body.data).not.toHaveProperty('password');
    expect(response.body.data).not.toHaveProperty('password_hash');
    // Registration does not sign in.
    expect(response.cookies).toEqual({});

    const session = await signIn(http, email, password);
    const me = await http.get('/api/v1/me', { token: session.access });
    expect(me.body.data).toEqual(response.body.data);
  });

  it('register defaults the names to empty strings', async () => {
    const email = newEmail();
    const response = await http.post('/api/v1/auth/register', { body: { email, password } });
    expect(response.status, response.text).toBe(201);
    expectUser(response.body.data, { email, first_name: '', last_name: '', role: 'user' });
  });

  it('register rejects an e-mail that exists in another case with 409', async () => {
    const email = newEmail();
    expect((await http.post('/api/v1/auth/register', { body: { email, password } })).status).toBe(201);
    const response = await http.post('/api/v1/auth/register', {
      body: { email: email.toUpperCase(), password: 'another-pass-2' },
    });
    expectError(response, 409);
    // The first account keeps its password.
    await signIn(http, email, password);
  });

  it('register rejects the seeded e-mails with 409', async () => {
    const response = await http.post('/api/v1/auth/register', {
      body: { email: 'Admin@Example.com', password: 'attacker-pass-1' },
    });
    expectError(response, 409);
  });

  it('register rejects invalid fields with 400 and field details', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ password }, 'email'],
      [{ email: 'not-an-email', password }, 'email'],
      [{ email: newEmail() }, 'password'],
      [{ email: newEmail(), password: 'short' }, 'password'],
      [{ email: newEmail(), password, first_name: 'x'.repeat(101) }, 'first_name'],
      [{ email: newEmail(), password, first_name: 42 }, 'first_name'],
      [{ email: newEmail(), password: 12345678 }, 'password'],
      [{ email: newEmail(), password, last_name: null }, 'last_name'],
    ];
    for (const [body, field] of cases) {
      const response = await http.post('/api/v1/auth/register', { body });
      expectError(response, 400, 'fields');
      expect(detailFields(response), JSON.stringify(body)).toContain(field);
    }
  });

  it('register rejects unknown fields such as a role with 400 and creates nothing', async () => {
    const email = newEmail();
    const response = await http.post('/api/v1/auth/register', { body: { email, password, role: 'admin' } });
    expectError(response, 400, 'fields');
    expect(response.body.error.details).toEqual([{ field: 'role', message: 'unknown field' }]);
    const login = await http.post('/api/v1/auth/login', { body: { email, password } });
    expectError(login, 401);
    // The e-mail is still free.
    expect((await http.post('/api/v1/auth/register', { body: { email, password } })).status).toBe(201);
  });

  it('register answers 400 with the envelope to a malformed JSON body', async () => {
    const response = await http.post('/api/v1/auth/register', { raw: '{"email": "a@example.test", "password":' });
    expectError(response, 400, 'fields');
  });

  it('register answers 400 to a body that is not an object', async () => {
    const response = await http.post('/api/v1/auth/register', { raw: '["a@example.test"]' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  it('register answers 413 with the envelope to an oversized body', async () => {
    const response = await http.post('/api/v1/auth/register', {
      body: { email: newEmail(), password, first_name: 'x'.repeat(1_100_000) },
    });
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ error: { message: expect.any(String) } });
  });
});

describe('auth login', () => {
  it('login answers the user and the tokens and sets the three cookies', async () => {
    const account = await registerAccount(http, { first_name: 'Lin' });
    const response = await http.post('/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
    });
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body)).toEqual(['data']);
    const data = response.body.data;
    expect(Object.keys(data).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'user']);
    expectUser(data.user, { id: account.id, email: account.email, first_name: 'Lin', role: 'user' });
    expect(data.access_token).toEqual(expect.any(String));
    expect(data.refresh_token).toEqual(expect.any(String));
    expect(data.access_token.length).toBeGreaterThanOrEqual(32);
    expect(data.refresh_token).not.toBe(data.access_token);
    expect(data.expires_in).toBe(900);

    const access = parseSetCookie(response.cookies.access_token);
    expect(access.value).toBe(data.access_token);
    expect(access.attributes).toHaveProperty('httponly');
    expect(access.attributes.samesite?.toLowerCase()).toBe('lax');
    expect(access.attributes.path).toBe('/');
    expect(Number(access.attributes['max-age'])).toBe(900);

    const refresh = parseSetCookie(response.cookies.refresh_token);
    expect(refresh.value).toBe(data.refresh_token);
    expect(refresh.attributes).toHaveProperty('httponly');
    expect(refresh.attributes.samesite?.toLowerCase()).toBe('strict');
    expect(refresh.attributes.path).toBe('/api/v1/auth');
    expect(Number(refresh.attributes['max-age'])).toBeGreaterThan(900);

    const csrf = parseSetCookie(response.cookies.csrf_token);
    expect(csrf.value.length).toBeGreaterThanOrEqual(16);
    expect(csrf.attributes).not.toHaveProperty('httponly');
    expect(csrf.attributes.path).toBe('/');
    // COOKIE_SECURE=false in this test server.
    for (const cookie of [access, refresh, csrf]) expect(cookie.attributes).not.toHaveProperty('secure');

    const me = await http.get('/api/v1/me', { token: data.access_token });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(account.id);
  });

  it('login marks the cookies Secure when COOKIE_SECURE is on', async () => {
    const secureApi = await startTestApi({ COOKIE_SECURE: 'true' });
    try {
      const client = createHttp(secureApi.url);
      const account = await registerAccount(client);
      const response = await client.post('/api/v1/auth/login', {
        body: { email: account.email, password: account.password },
      });
      expect(response.status).toBe(200);
      for (const name of ['access_token', 'refresh_token', 'csrf_token']) {
        expect(parseSetCookie(response.cookies[name]).attributes, name).toHaveProperty('secure');
      }
    } finally {
      await secureApi.close();
    }
  });

  it('login opens a new session each time, with a new csrf token', async () => {
    const account = await registerAccount(http);
    const first = await signIn(http, account.email, account.password);
    const second = await signIn(http, account.email, account.password);
    expect(second.access).not.toBe(first.access);
    expect(second.refresh).not.toBe(first.refresh);
    expect(second.csrf).not.toBe(first.csrf);
    expect((await http.get('/api/v1/me', { token: first.access })).status).toBe(200);
    expect((await http.get('/api/v1/me', { token: second.access })).status).toBe(200);
  });

  it('login accepts the e-mail in any case', async () => {
    const account = await registerAccount(http);
    const response = await http.post('/api/v1/auth/login', {
      body: { email: account.email.toUpperCase(), password: account.password },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.user.id).toBe(account.id);
  });

  it('login rejects a wrong password with 401 and sets no cookies', async () => {
    const account = await registerAccount(http);
    const response = await http.post('/api/v1/auth/login', {
      body: { email: account.email, password: 'wrong-password-9' },
    });
    expectError(response, 401);
    expect(response.cookies).toEqual({});
  });

  it('login answers an unknown e-mail exactly like a wrong password', async () => {
    const account = await registerAccount(http);
    const wrong = await http.post('/api/v1/auth/login', { body: { email: account.email, password: 'wrong-pass-1' } });
    const unknown = await http.post('/api/v1/auth/login', { body: { email: newEmail(), password: 'wrong-pass-1' } });
    expectError(unknown, 401);
    expect(unknown.body).toEqual(wrong.body);
  });

  it('login refuses a deactivated account with 403 only after the password check', async () => {
    const account = await registerAccount(http);
    const admin = await adminToken(http);
    const deactivated = await http.patch(`/api/v1/users/${account.id}`, { token: admin, body: { is_active: false } });
    expect(deactivated.status, deactivated.text).toBe(200);

    const wrong = await http.post('/api/v1/auth/login', { body: { email: account.email, password: 'wrong-pass-1' } });
    expectError(wrong, 401);
    const right = await http.post('/api/v1/auth/login', {
      body: { email: account.email, password: account.password },
    });
    expectError(right, 403);
    expect(right.cookies).toEqual({});
  });

  it('login rejects invalid input with 400 and field details', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ password }, 'email'],
      [{ email: 'user@example.com' }, 'password'],
      [{ email: 'user@example.com', password: '' }, 'password'],
      [{ email: 'nope', password }, 'email'],
      [{ email: 'user@example.com', password: 12345678 }, 'password'],
      [{ email: 'user@example.com', password, remember_me: true }, 'remember_me'],
    ];
    for (const [body, field] of cases) {
      const response = await http.post('/api/v1/auth/login', { body });
      expectError(response, 400, 'fields');
      expect(detailFields(response), JSON.stringify(body)).toContain(field);
    }
  });

  it('login answers 400 with the envelope to a malformed JSON body', async () => {
    const response = await http.post('/api/v1/auth/login', { raw: "{'email': 'x'}" });
    expectError(response, 400, 'fields');
  });
});

describe('auth current user', () => {
  it('get me answers the signed-in user', async () => {
    const account = await registerAccount(http, { first_name: 'Ann', last_name: 'Lee' });
    const session = await signIn(http, account.email, account.password);
    const response = await http.get('/api/v1/me', { token: session.access });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['data']);
    expectUser(response.body.data, {
      id: account.id,
      email: account.email,
      first_name: 'Ann',
      last_name: 'Lee',
      role: 'user',
      is_active: true,
      must_change_password: false,
    });
  });

  it('get me answers each role its own account', async () => {
    const admin = await http.get('/api/v1/me', { token: await adminToken(http) });
    expect(admin.status).toBe(200);
    expect(admin.body.data).toMatchObject({ email: 'admin@example.com', role: 'admin' });
  });

  it('get me answers 401 without credentials or with a bad token', async () => {
    expectError(await http.get('/api/v1/me'), 401);
    expectError(await http.get('/api/v1/me', { token: 'not-a-token' }), 401);
    expectError(await http.get('/api/v1/me', { headers: { authorization: 'Basic dXNlcjp1c2VyMTIz' } }), 401);
    expectError(await http.get('/api/v1/me', { cookie: 'access_token=not-a-token' }), 401);
  });

  it('update me changes the names and answers the user', async () => {
    const account = await registerAccount(http, { first_name: 'Old', last_name: 'Name' });
    const session = await signIn(http, account.email, account.password);
    const before = (await http.get('/api/v1/me', { token: session.access })).body.data;
    const response = await http.patch('/api/v1/me', { token: session.access, body: { first_name: 'New' } });
    expect(response.status, response.text).toBe(200);
    expectUser(response.body.data, { id: account.id, first_name: 'New', last_name: 'Name', role: 'user' });
    expect(Date.parse(response.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(before.updated_at));
    const again = await http.patch('/api/v1/me', { token: session.access, body: { last_name: '' } });
    expect(again.body.data).toMatchObject({ first_name: 'New', last_name: '' });
    const me = await http.get('/api/v1/me', { token: session.access });
    expect(me.body.data).toMatchObject({ first_name: 'New', last_name: '' });
  });

  it('update me rejects unknown fields and wrong types with 400 and changes nothing', async () => {
    const account = await registerAccount(http, { first_name: 'Keep' });
    const session = await signIn(http, account.email, account.password);
    const cases: [Record<string, unknown>, string][] = [
      [{ role: 'admin' }, 'role'],
      [{ email: 'other@example.test' }, 'email'],
      [{ is_active: false, first_name: 'Changed' }, 'is_active'],
      [{ must_change_password: true }, 'must_change_password'],
      [{ first_name: 123 }, 'first_name'],
      [{ first_name: 'x'.repeat(101) }, 'first_name'],
      [{ last_name: ['a'] }, 'last_name'],
    ];
    for (const [body, field] of cases) {
      const response = await http.patch('/api/v1/me', { token: session.access, body });
      expectError(response, 400, 'fields');
      expect(detailFields(response), JSON.stringify(body)).toContain(field);
    }
    const me = await http.get('/api/v1/me', { token: session.access });
    expectUser(me.body.data, { first_name: 'Keep', role: 'user', is_active: true, email: account.email });
  });

  it('update me answers 400 with the envelope to a malformed JSON body', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const response = await http.patch('/api/v1/me', { token: session.access, raw: '{"first_name": "x",}' });
    expectError(response, 400, 'fields');
  });

  it('update me answers 401 without credentials', async () => {
    expectError(await http.patch('/api/v1/me', { body: { first_name: 'X' } }), 401);
    expectError(await http.patch('/api/v1/me', { token: 'bogus', body: { first_name: 'X' } }), 401);
  });

  it('change password answers 401 without credentials', async () => {
    const body = { current_password: 'whatever1', new_password: 'whatever2' };
    expectError(await http.put('/api/v1/me/password', { body }), 401);
    expectError(await http.put('/api/v1/me/password', { token: 'bogus', body }), 401);
  });
});

describe('auth cookie sessions', () => {
  it('cookie get needs no csrf token', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const response = await http.get('/api/v1/me', { cookie: `access_token=${session.access}` });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.id).toBe(account.id);
  });

  it('cookie mutation without the X-CSRF-Token header answers 403 and changes nothing', async () => {
    const account = await registerAccount(http, { first_name: 'Before' });
    const session = await signIn(http, account.email, account.password);
    const response = await http.patch('/api/v1/me', { cookie: session.cookie, body: { first_name: 'Forged' } });
    expectError(response, 403);
    const me = await http.get('/api/v1/me', { token: session.access });
    expect(me.body.data.first_name).toBe('Before');
  });

  it('cookie mutation with a wrong X-CSRF-Token answers 403 and changes nothing', async () => {
    const account = await registerAccount(http, { first_name: 'Before' });
    const session = await signIn(http, account.email, account.password);
    const other = await signIn(http, account.email, account.password);
    for (const token of ['wrong', `${session.csrf}x`, other.csrf, '']) {
      const response = await http.patch('/api/v1/me', {
        cookie: session.cookie,
        headers: { 'x-csrf-token': token },
        body: { first_name: 'Forged' },
      });
      expectError(response, 403);
    }
    const me = await http.get('/api/v1/me', { token: session.access });
    expect(me.body.data.first_name).toBe('Before');
  });

  it('cookie mutation with the header but without the csrf cookie answers 403', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const response = await http.patch('/api/v1/me', {
      cookie: `access_token=${session.access}`,
      headers: { 'x-csrf-token': session.csrf },
      body: { first_name: 'Forged' },
    });
    expectError(response, 403);
  });

  it('cookie mutation with the matching X-CSRF-Token succeeds', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const response = await http.patch('/api/v1/me', {
      cookie: session.cookie,
      headers: { 'x-csrf-token': session.csrf },
      body: { first_name: 'Cookie' },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.first_name).toBe('Cookie');
  });

  it('cookie password change without the csrf token answers 403 and keeps the password', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const response = await http.put('/api/v1/me/password', {
      cookie: session.cookie,
      body: { current_password: account.password, new_password: 'forged-pass-1' },
    });
    expectError(response, 403);
    await signIn(http, account.email, account.password);
    expect((await http.get('/api/v1/me', { token: session.access })).status).toBe(200);
  });

  it('bearer mutation needs no csrf token', async () => {
    const account = await registerAccount(http);
    const session = await signIn(http, account.email, account.password);
    const response = await http.patch('/api/v1/me', { token: session.access, body: { first_name: 'Bearer' } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.first_name).toBe('Bearer');
  });
});
