import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http } from './support/client';
import { adminToken, createAccount, devAccounts, type Role } from './support/factories';
import {
  expectError,
  expectNoContent,
  expectUser,
  openDatabase,
  type Sql,
  signIn,
  tokenWorks,
} from './support/identity';

let api: ApiServer;
let http: Http;
let sql: Sql;
let admin: string;
let operator: string;
let user: string;
beforeAll(async () => {
  api = await startTestApi();
  http = createHttp(api.url);
  sql = openDatabase();
  admin = await adminToken(http);
  operator = await signIn(http, devAccounts.operator.email, devAccounts.operator.password).then((s) => s.access);
  user = await signIn(http, devAccounts.user.email, devAccounts.user.password).then((s) => s.access);
});
afterAll(async () => {
  await sql.end({ timeout: 5 });
  await api.close();
});

const password = 'initial-pass-1';
const newEmail = (prefix = 'usr') => `${unique(prefix)}@example.test`;

/** Creates a user through the admin API and answers the created user. */
async function adminCreate(role: Role = 'user', extra: Record<string, unknown> = {}) {
  const email = newEmail(role);
  const response = await http.post('/api/v1/users', { token: admin, body: { email, password, role, ...extra } });
  expect(response.status, response.text).toBe(201);
  return { ...(response.body.data as { id: string; email: string; role: Role }), password };
}

async function getUser(id: string) {
  const response = await http.get(`/api/v1/users/${id}`, { token: admin });
  expect(response.status, response.text).toBe(200);
  return response.body.data as Record<string, unknown>;
}

async function countUsers(role?: Role) {
  const rows = role
    ? await sql<{ n: number }[]>`select count(*)::int as n from users where role = ${role}`
    : await sql<{ n: number }[]>`select count(*)::int as n from users`;
  return rows[0]?.n ?? 0;
}

describe('users list', () => {
  it('list answers a page of users with the total', async () => {
    const before = await countUsers();
    const response = await http.get('/api/v1/users', { token: admin });
    const after = await countUsers();
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body)).toEqual(['data']);
    const data = response.body.data;
    expect(Object.keys(data).sort()).toEqual(['limit', 'offset', 'total', 'users']);
    expect(data.limit).toBe(20);
    expect(data.offset).toBe(0);
    expect(data.total).toBeGreaterThanOrEqual(before);
    expect(data.total).toBeLessThanOrEqual(after);
    expect(data.users.length).toBe(Math.min(20, data.total));
    for (const item of data.users) expectUser(item);
    // The seeded accounts are the oldest.
    const emails = data.users.map((item: { email: string }) => item.email);
    for (const account of Object.values(devAccounts)) expect(emails).toContain(account.email);
  });

  it('list filters by role', async () => {
    const operatorAccount = await adminCreate('operator');
    const userAccount = await adminCreate('user');
    const seen: { id: string; role: string }[] = [];
    let total = 0;
    for (let offset = 0; ; offset += 100) {
      const page = await http.get(`/api/v1/users?role=operator&limit=100&offset=${offset}`, { token: admin });
      expect(page.status, page.text).toBe(200);
      total = page.body.data.total;
      seen.push(...page.body.data.users);
      if (page.body.data.users.length < 100) break;
    }
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(total).toBeGreaterThanOrEqual(seen.length);
    for (const item of seen) expect(item.role).toBe('operator');
    const ids = seen.map((item) => item.id);
    expect(ids).toContain(operatorAccount.id);
    expect(ids).not.toContain(userAccount.id);

    const admins = await http.get('/api/v1/users?role=admin&limit=100', { token: admin });
    expect(admins.status).toBe(200);
    expect(admins.body.data.users.length).toBeGreaterThanOrEqual(1);
    for (const item of admins.body.data.users) expect(item.role).toBe('admin');
    expect(admins.body.data.users.map((item: { email: string }) => item.email)).toContain('admin@example.com');
    expect(admins.body.data.total).toBeLessThanOrEqual(await countUsers('admin'));
    expect(admins.body.data.total).toBeLessThan(await countUsers());
  });

  it('list pages with limit and offset', async () => {
    await adminCreate();
    await adminCreate();
    const firstTwo = await http.get('/api/v1/users?limit=2&offset=0', { token: admin });
    const second = await http.get('/api/v1/users?limit=1&offset=1', { token: admin });
    const third = await http.get('/api/v1/users?limit=1&offset=2', { token: admin });
    expect(firstTwo.status).toBe(200);
    expect(firstTwo.body.data).toMatchObject({ limit: 2, offset: 0 });
    expect(firstTwo.body.data.users).toHaveLength(2);
    expect(second.body.data).toMatchObject({ limit: 1, offset: 1 });
    expect(second.body.data.users).toHaveLength(1);
    expect(second.body.data.users[0]).toEqual(firstTwo.body.data.users[1]);
    expect(third.body.data.users[0].id).not.toBe(firstTwo.body.data.users[0].id);
    expect(third.body.data.users[0].id).not.toBe(firstTwo.body.data.users[1].id);
    expect(second.body.data.total).toBeGreaterThanOrEqual(firstTwo.body.data.total);

    const max = await http.get('/api/v1/users?limit=100', { token: admin });
    expect(max.status).toBe(200);
    expect(max.body.data.users.length).toBe(Math.min(100, max.body.data.total));
  });

  it('list answers an empty list past the end', async () => {
    const response = await http.get('/api/v1/users?offset=1000000', { token: admin });
    expect(response.status).toBe(200);
    expect(response.body.data.users).toEqual([]);
    expect(response.body.data.offset).toBe(1_000_000);
    expect(response.body.data.total).toBeGreaterThanOrEqual(3);
  });

  it('list rejects bad query parameters with 400 and string details', async () => {
    for (const query of [
      'limit=0',
      'limit=101',
      'limit=abc',
      'limit=-1',
      'limit=1.5',
      'offset=-1',
      'offset=abc',
      'role=root',
      'role=ADMIN',
    ]) {
      const response = await http.get(`/api/v1/users?${query}`, { token: admin });
      expectError(response, 400, 'string');
      expect(response.body.error.details, query).toContain(query.split('=')[0]);
    }
  });

  it('list answers 401 to anonymous callers and 403 to lower roles', async () => {
    expectError(await http.get('/api/v1/users'), 401);
    expectError(await http.get('/api/v1/users', { token: 'bogus' }), 401);
    expectError(await http.get('/api/v1/users', { token: user }), 403);
    expectError(await http.get('/api/v1/users', { token: operator }), 403);
  });
});

describe('users create', () => {
  it('create answers 201 with a user that must change its password', async () => {
    const email = newEmail();
    const response = await http.post('/api/v1/users', {
      token: admin,
      body: { email, password, role: 'operator', first_name: 'Olga', last_name: 'Ops' },
    });
    expect(response.status, response.text).toBe(201);
    expect(Object.keys(response.body)).toEqual(['data']);
    expectUser(response.body.data, {
      email,
      role: 'operator',
      first_name: 'Olga',
      last_name: 'Ops',
      is_active: true,
      must_change_password: true,
    });
    expect(await getUser(response.body.data.id)).toEqual(response.body.data);

    const login = await http.post('/api/v1/auth/login', { body: { email, password } });
    expect(login.status).toBe(200);
    expect(login.body.data.user).toMatchObject({ role: 'operator', must_change_password: true });
  });

  it('create sets each requested role', async () => {
    for (const role of ['user', 'operator', 'admin'] as const) {
      const created = await adminCreate(role);
      expect(created.role).toBe(role);
      expect((await getUser(created.id)).role).toBe(role);
    }
  });

  it('create rejects a taken e-mail in any case with 409', async () => {
    const existing = await adminCreate();
    const response = await http.post('/api/v1/users', {
      token: admin,
      body: { email: existing.email.toUpperCase(), password: 'other-pass-1', role: 'admin' },
    });
    expectError(response, 409);
    expect((await getUser(existing.id)).role).toBe('user');
    expectError(
      await http.post('/api/v1/users', {
        token: admin,
        body: { email: devAccounts.user.email, password: 'other-pass-1', role: 'admin' },
      }),
      409,
    );
  });

  it('create rejects invalid input with 400 and string details and creates nothing', async () => {
    const email = newEmail();
    const cases: [Record<string, unknown>, string][] = [
      [{ email, password }, 'role'],
      [{ email, password, role: 'root' }, 'role'],
      [{ email, password, role: 'Admin' }, 'role'],
      [{ email, password: 'short', role: 'user' }, 'password'],
      [{ email: 'not-an-email', password, role: 'user' }, 'email'],
      [{ password, role: 'user' }, 'email'],
      [{ email, password, role: 'user', is_active: false }, 'is_active'],
      [{ email, password, role: 'user', must_change_password: false }, 'must_change_password'],
      [{ email, password, role: 'user', first_name: 7 }, 'first_name'],
      [{ email, password: 12345678, role: 'user' }, 'password'],
    ];
    for (const [body, field] of cases) {
      const response = await http.post('/api/v1/users', { token: admin, body });
      expectError(response, 400, 'string');
      expect(response.body.error.details, JSON.stringify(body)).toContain(field);
    }
    expect(await sql`select 1 from users where lower(email) = ${email.toLowerCase()}`).toHaveLength(0);
  });

  it('create answers 400 with the envelope to a malformed JSON body', async () => {
    const response = await http.post('/api/v1/users', { token: admin, raw: '{"email": "x@example.test",' });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body)).toEqual(['error']);
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  it('create answers 401 to anonymous callers and 403 to lower roles', async () => {
    const email = newEmail();
    const body = { email, password, role: 'admin' };
    expectError(await http.post('/api/v1/users', { body }), 401);
    expectError(await http.post('/api/v1/users', { token: user, body }), 403);
    expectError(await http.post('/api/v1/users', { token: operator, body }), 403);
    expect(await sql`select 1 from users where lower(email) = ${email.toLowerCase()}`).toHaveLength(0);
  });
});

describe('users get', () => {
  it('get answers the user', async () => {
    const created = await adminCreate('operator', { first_name: 'Gina' });
    const response = await http.get(`/api/v1/users/${created.id}`, { token: admin });
    expect(response.status).toBe(200);
    expect(Object.keys(response.body)).toEqual(['data']);
    expectUser(response.body.data, { id: created.id, email: created.email, role: 'operator', first_name: 'Gina' });
  });

  it('get answers 404 for an unknown id', async () => {
    expectError(await http.get(`/api/v1/users/${randomUUID()}`, { token: admin }), 404);
    expectError(await http.get('/api/v1/users/00000000-0000-0000-0000-000000000000', { token: admin }), 404);
  });

  it('get answers 404 for an id that is not a uuid (a user that cannot exist)', async () => {
    for (const id of ['not-a-uuid', '123', `${randomUUID()}x`]) {
      expectError(await http.get(`/api/v1/users/${id}`, { token: admin }), 404);
    }
  });

  it('get answers 401 to anonymous callers and 403 to lower roles', async () => {
    const created = await adminCreate();
    expectError(await http.get(`/api/v1/users/${created.id}`), 401);
    expectError(await http.get(`/api/v1/users/${created.id}`, { token: user }), 403);
    expectError(await http.get(`/api/v1/users/${created.id}`, { token: operator }), 403);
  });
});

describe('users update', () => {
  it('update changes the role, the names and the active flag', async () => {
    const created = await adminCreate('user', { first_name: 'A', last_name: 'B' });
    const before = await getUser(created.id);
    const response = await http.patch(`/api/v1/users/${created.id}`, {
      token: admin,
      body: { role: 'operator', first_name: 'Anna', last_name: 'Berg' },
    });
    expect(response.status, response.text).toBe(200);
    expect(Object.keys(response.body)).toEqual(['data']);
    expectUser(response.body.data, {
      id: created.id,
      email: created.email,
      role: 'operator',
      first_name: 'Anna',
      last_name: 'Berg',
      is_active: true,
      must_change_password: true,
    });
    expect(response.body.data.created_at).toBe(before.created_at);
    expect(Date.parse(response.body.data.updated_at)).toBeGreaterThanOrEqual(Date.parse(String(before.updated_at)));
    expect(await getUser(created.id)).toEqual(response.body.data);

    const deactivated = await http.patch(`/api/v1/users/${created.id}`, { token: admin, body: { is_active: false } });
    expect(deactivated.body.data).toMatchObject({ is_active: false, role: 'operator', first_name: 'Anna' });
  });

  it('update of the role takes effect on the sessions of that user', async () => {
    const other = await createAccount(http, 'admin');
    expect((await http.get('/api/v1/users', { token: other.token })).status).toBe(200);
    const demoted = await http.patch(`/api/v1/users/${other.id}`, { token: admin, body: { role: 'user' } });
    expect(demoted.status, demoted.text).toBe(200);
    expectError(await http.get('/api/v1/users', { token: other.token }), 403);
    expect((await http.get('/api/v1/me', { token: other.token })).body.data.role).toBe('user');
  });

  it('update deactivation ends the sessions of the user and login then answers 403', async () => {
    const created = await adminCreate();
    const first = await signIn(http, created.email, password);
    const second = await signIn(http, created.email, password);
    const response = await http.patch(`/api/v1/users/${created.id}`, { token: admin, body: { is_active: false } });
    expect(response.status, response.text).toBe(200);
    expect(response.body.data.is_active).toBe(false);

    expect(await tokenWorks(http, first.access)).toBe(false);
    expect(await tokenWorks(http, second.access)).toBe(false);
    expectError(await http.post('/api/v1/auth/refresh', { body: { refresh_token: first.refresh } }), 403);
    expectError(await http.post('/api/v1/auth/login', { body: { email: created.email, password } }), 403);
    expectError(
      await http.post('/api/v1/auth/login', { body: { email: created.email, password: 'wrong-one-1' } }),
      401,
    );

    const reactivated = await http.patch(`/api/v1/users/${created.id}`, { token: admin, body: { is_active: true } });
    expect(reactivated.status).toBe(200);
    expect(reactivated.body.data.is_active).toBe(true);
    const session = await signIn(http, created.email, password);
    expect(await tokenWorks(http, session.access)).toBe(true);
    // The sessions ended by the deactivation stay ended.
    expect(await tokenWorks(http, first.access)).toBe(false);
  });

  it('update rejects unknown fields and wrong types with 400 and string details and changes nothing', async () => {
    const created = await adminCreate('user', { first_name: 'Same' });
    const before = await getUser(created.id);
    const cases: [Record<string, unknown>, string][] = [
      [{ is_active: 'yes' }, 'is_active'],
      [{ is_active: 'false' }, 'is_active'],
      [{ is_active: 0 }, 'is_active'],
      [{ is_active: null }, 'is_active'],
      [{ role: 'root' }, 'role'],
      [{ role: 'operator', first_name: 42 }, 'first_name'],
      [{ first_name: 'x'.repeat(101) }, 'first_name'],
      [{ last_name: 'x'.repeat(101) }, 'last_name'],
      [{ email: 'new@example.test' }, 'email'],
      [{ password: 'new-password-1' }, 'password'],
      [{ must_change_password: false, role: 'admin' }, 'must_change_password'],
    ];
    for (const [body, field] of cases) {
      const response = await http.patch(`/api/v1/users/${created.id}`, { token: admin, body });
      expectError(response, 400, 'string');
      expect(response.body.error.details, JSON.stringify(body)).toContain(field);
    }
    expect(await getUser(created.id)).toEqual(before);
    await signIn(http, created.email, password);
  });

  it('update answers 400 with the envelope to a malformed JSON body', async () => {
    const created = await adminCreate();
    const response = await http.patch(`/api/v1/users/${created.id}`, { token: admin, raw: '{"role": admin}' });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body)).toEqual(['error']);
    expect(response.body.error.message).toEqual(expect.any(String));
    expect((await getUser(created.id)).role).toBe('user');
  });

  it('update rejects an id in the body with 400 and changes neither user', async () => {
    const target = await adminCreate();
    const bystander = await adminCreate();
    const targetBefore = await getUser(target.id);
    const bystanderBefore = await getUser(bystander.id);
    const response = await http.patch(`/api/v1/users/${target.id}`, {
      token: admin,
      body: { id: bystander.id, role: 'operator' },
    });
    expectError(response, 400, 'string');
    expect(response.body.error.details).toContain('id');
    expect(await getUser(target.id)).toEqual(targetBefore);
    expect(await getUser(bystander.id)).toEqual(bystanderBefore);
  });

  it('update answers 404 for an unknown id and for an id that is not a uuid', async () => {
    expectError(await http.patch(`/api/v1/users/${randomUUID()}`, { token: admin, body: { first_name: 'X' } }), 404);
    expectError(await http.patch('/api/v1/users/nope', { token: admin, body: { first_name: 'X' } }), 404);
  });

  it('update answers 401 to anonymous callers and 403 to lower roles and changes nothing', async () => {
    const created = await adminCreate();
    const before = await getUser(created.id);
    const body = { role: 'admin' };
    expectError(await http.patch(`/api/v1/users/${created.id}`, { body }), 401);
    expectError(await http.patch(`/api/v1/users/${created.id}`, { token: user, body }), 403);
    expectError(await http.patch(`/api/v1/users/${created.id}`, { token: operator, body }), 403);
    expect(await getUser(created.id)).toEqual(before);
  });

  it('an admin cannot change their own role (409)', async () => {
    const self = await createAccount(http, 'admin');
    for (const role of ['user', 'operator']) {
      const response = await http.patch(`/api/v1/users/${self.id}`, { token: self.token, body: { role } });
      expectError(response, 409);
    }
    expect((await getUser(self.id)).role).toBe('admin');
    expect((await http.get('/api/v1/users', { token: self.token })).status).toBe(200);
  });

  it('an admin cannot modify their own account at all, not even its names (409, as the contract documents)', async () => {
    const self = await createAccount(http, 'admin');
    const before = await getUser(self.id);
    for (const body of [
      { first_name: 'Renamed' },
      { last_name: 'Renamed' },
      { role: 'admin' },
      { is_active: true },
      {},
    ]) {
      const response = await http.patch(`/api/v1/users/${self.id}`, { token: self.token, body });
      expectError(response, 409);
      expect(response.body.error.message).toBe('Cannot modify own account');
    }
    expect(await getUser(self.id)).toEqual(before);
  });

  it('an admin cannot deactivate themselves (409)', async () => {
    const self = await createAccount(http, 'admin');
    const response = await http.patch(`/api/v1/users/${self.id}`, { token: self.token, body: { is_active: false } });
    expectError(response, 409);
    expect((await getUser(self.id)).is_active).toBe(true);
    expect(await tokenWorks(http, self.token)).toBe(true);
  });

  it('an admin can deactivate another admin', async () => {
    const actor = await createAccount(http, 'admin');
    const target = await createAccount(http, 'admin');
    const response = await http.patch(`/api/v1/users/${target.id}`, { token: actor.token, body: { is_active: false } });
    expect(response.status, response.text).toBe(200);
    expect(await tokenWorks(http, target.token)).toBe(false);
  });
});

describe('users password reset', () => {
  it('reset password answers 204, requires a password change and ends the sessions of the user', async () => {
    const created = await adminCreate();
    const change = await signIn(http, created.email, password);
    // First the user chooses their own password, so must_change_password is false before the reset.
    const own = 'users-own-pass-1';
    expectNoContent(
      await http.put('/api/v1/me/password', {
        token: change.access,
        body: { current_password: password, new_password: own },
      }),
    );
    const session = await signIn(http, created.email, own);
    expect((await getUser(created.id)).must_change_password).toBe(false);

    const response = await http.post(`/api/v1/users/${created.id}/reset-password`, {
      token: admin,
      body: { new_password: 'admin-chosen-1' },
    });
    expectNoContent(response);

    expect((await getUser(created.id)).must_change_password).toBe(true);
    expect(await tokenWorks(http, session.access)).toBe(false);
    expectError(await http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
    expectError(await http.post('/api/v1/auth/login', { body: { email: created.email, password: own } }), 401);
    const fresh = await signIn(http, created.email, 'admin-chosen-1');
    expect((await http.get('/api/v1/me', { token: fresh.access })).body.data.must_change_password).toBe(true);
  });

  it('an admin cannot reset their own password (409)', async () => {
    const self = await createAccount(http, 'admin');
    const response = await http.post(`/api/v1/users/${self.id}/reset-password`, {
      token: self.token,
      body: { new_password: 'self-reset-12' },
    });
    expectError(response, 409);
    expect(await tokenWorks(http, self.token)).toBe(true);
    await signIn(http, self.email, self.password);
    expectError(await http.post('/api/v1/auth/login', { body: { email: self.email, password: 'self-reset-12' } }), 401);
  });

  it('reset password rejects invalid input with 400 and string details', async () => {
    const created = await adminCreate();
    const cases: [Record<string, unknown>, string][] = [
      [{ new_password: 'short' }, 'new_password'],
      [{}, 'new_password'],
      [{ new_password: 123456789 }, 'new_password'],
      [{ new_password: 'long-enough-1', must_change_password: false }, 'must_change_password'],
    ];
    for (const [body, field] of cases) {
      const response = await http.post(`/api/v1/users/${created.id}/reset-password`, { token: admin, body });
      expectError(response, 400, 'string');
      expect(response.body.error.details, JSON.stringify(body)).toContain(field);
    }
    await signIn(http, created.email, password);
  });

  it('reset password rejects an id in the body with 400 and changes neither password', async () => {
    const target = await adminCreate();
    const bystander = await adminCreate();
    const response = await http.post(`/api/v1/users/${target.id}/reset-password`, {
      token: admin,
      body: { id: bystander.id, new_password: 'path-decides-1' },
    });
    expectError(response, 400, 'string');
    expect(response.body.error.details).toContain('id');
    await signIn(http, target.email, password);
    await signIn(http, bystander.email, password);
  });

  it('reset password answers 404 for an unknown id and for an id that is not a uuid', async () => {
    const body = { new_password: 'long-enough-1' };
    expectError(await http.post(`/api/v1/users/${randomUUID()}/reset-password`, { token: admin, body }), 404);
    expectError(await http.post('/api/v1/users/42/reset-password', { token: admin, body }), 404);
  });

  it('reset password answers 401 to anonymous callers and 403 to lower roles', async () => {
    const created = await adminCreate();
    const body = { new_password: 'hijacked-pass-1' };
    expectError(await http.post(`/api/v1/users/${created.id}/reset-password`, { body }), 401);
    expectError(await http.post(`/api/v1/users/${created.id}/reset-password`, { token: user, body }), 403);
    expectError(await http.post(`/api/v1/users/${created.id}/reset-password`, { token: operator, body }), 403);
    await signIn(http, created.email, password);
  });
});
