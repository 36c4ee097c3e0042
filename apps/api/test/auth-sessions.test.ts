import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { cookieValue } from './support/client';
import { adminToken } from './support/factories';
import { useTestApi } from './support/fixture';
import {
  type Account,
  detailFields,
  expectCookiesCleared,
  expectError,
  expectNoContent,
  expectUser,
  parseSetCookie,
  registerAccount,
  type Session,
  signIn,
  tokenWorks,
} from './support/identity';

// These tests move sessions' expiry in the database behind the api's back: with AUTH_CACHE_TTL the
// api would see that within the TTL (auth-cache.test.ts covers the cache); here every request asks.
const t = useTestApi({ AUTH_CACHE_TTL: '0' });

/** What the database keeps of a token. */
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

/** A new account, signed in once. */
async function signedIn(): Promise<Account & { session: Session }> {
  const account = await registerAccount(t.http);
  return { ...account, session: await signIn(t.http, account.email, account.password) };
}

/** Refreshes with a token in the body; answers the new tokens read from the Set-Cookie lines. */
async function refreshWith(refreshToken: string) {
  const response = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: refreshToken } });
  expectNoContent(response);
  return {
    access: cookieValue(response.cookies.access_token),
    refresh: cookieValue(response.cookies.refresh_token),
    csrf: cookieValue(response.cookies.csrf_token),
  };
}

/** Moves a rotated refresh token's rotation past the reuse grace window (30 s by default). */
async function pastTheGrace(refreshToken: string) {
  await t.sql`update refresh_tokens set rotated_at = now() - interval '31 seconds' where token_hash = ${sha256(refreshToken)}`;
}

/** Whether a refresh token is still accepted; a successful probe spends it, so use only on tokens to be dropped. */
async function refreshStatus(refreshToken: string) {
  return (await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: refreshToken } })).status;
}

describe('auth token refresh', () => {
  it('refresh with the token in the body answers 204 and sets new cookies', async () => {
    const { session, id } = await signedIn();
    const response = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } });
    expectNoContent(response);

    const access = parseSetCookie(response.cookies.access_token);
    const refresh = parseSetCookie(response.cookies.refresh_token);
    const csrf = parseSetCookie(response.cookies.csrf_token);
    expect(access.value).not.toBe('');
    expect(access.value).not.toBe(session.access);
    expect(access.attributes).toHaveProperty('httponly');
    expect(access.attributes.samesite?.toLowerCase()).toBe('lax');
    expect(access.attributes.path).toBe('/');
    expect(refresh.value).not.toBe('');
    expect(refresh.value).not.toBe(session.refresh);
    expect(refresh.attributes).toHaveProperty('httponly');
    expect(refresh.attributes.samesite?.toLowerCase()).toBe('strict');
    expect(refresh.attributes.path).toBe('/api/v1/auth');
    expect(csrf.value).not.toBe('');
    expect(csrf.attributes).not.toHaveProperty('httponly');

    const me = await t.http.get('/api/v1/me', { token: access.value });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(id);
  });

  it('refresh with the refresh_token cookie and no body answers 204 and sets new cookies', async () => {
    const { session, id } = await signedIn();
    const response = await t.http.post('/api/v1/auth/refresh', { cookie: `refresh_token=${session.refresh}` });
    expectNoContent(response);
    const access = cookieValue(response.cookies.access_token);
    const refresh = cookieValue(response.cookies.refresh_token);
    expect(access).not.toBe('');
    expect(refresh).not.toBe(session.refresh);
    const me = await t.http.get('/api/v1/me', { token: access });
    expect(me.body.data.id).toBe(id);
    // The rotated cookie works for the next refresh.
    const next = await t.http.post('/api/v1/auth/refresh', { cookie: `refresh_token=${refresh}` });
    expectNoContent(next);
  });

  it('refresh ends the previous access token of the session', async () => {
    const { session } = await signedIn();
    const next = await refreshWith(session.refresh);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    expect(await tokenWorks(t.http, next.access)).toBe(true);
  });

  it('refresh leaves the other sessions of the user alone', async () => {
    const account = await signedIn();
    const other = await signIn(t.http, account.email, account.password);
    await refreshWith(account.session.refresh);
    expect(await tokenWorks(t.http, other.access)).toBe(true);
    expect(await refreshStatus(other.refresh)).toBe(204);
  });

  it('refresh with an already rotated token answers 401 and revokes the whole family', async () => {
    const { session } = await signedIn();
    const second = await refreshWith(session.refresh);
    const third = await refreshWith(second.refresh);
    expect(await tokenWorks(t.http, third.access)).toBe(true);

    await pastTheGrace(session.refresh);
    const reuse = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } });
    expectError(reuse, 401);
    expect(reuse.cookies).toEqual({});

    // The newest tokens of that family no longer work.
    expect(await tokenWorks(t.http, third.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: third.refresh } }), 401);
  });

  it('refresh reuse revokes only the family of that login', async () => {
    const account = await signedIn();
    const other = await signIn(t.http, account.email, account.password);
    await refreshWith(account.session.refresh);
    await pastTheGrace(account.session.refresh);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: account.session.refresh } }), 401);
    expect(await tokenWorks(t.http, other.access)).toBe(true);
  });

  it('two concurrent refreshes with the same token both succeed and the family stays signed in', async () => {
    const { session } = await signedIn();
    const [first, second] = await Promise.all([refreshWith(session.refresh), refreshWith(session.refresh)]);
    expect(first.refresh).not.toBe(second.refresh);
    expect(await tokenWorks(t.http, first.access)).toBe(true);
    expect(await tokenWorks(t.http, second.access)).toBe(true);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    const next = await refreshWith(first.refresh);
    expect(await tokenWorks(t.http, next.access)).toBe(true);
  });

  it('a rotated token presented again within the grace window rotates again; after it, it revokes the family', async () => {
    const { session } = await signedIn();
    const first = await refreshWith(session.refresh);
    const again = await refreshWith(session.refresh);
    expect(await tokenWorks(t.http, first.access)).toBe(true);
    expect(await tokenWorks(t.http, again.access)).toBe(true);
    await pastTheGrace(session.refresh);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
    expect(await tokenWorks(t.http, first.access)).toBe(false);
    expect(await tokenWorks(t.http, again.access)).toBe(false);
  });

  it('an access token ends at its absolute lifetime however often it is used', async () => {
    const { session } = await signedIn();
    const [row] = await t.sql<{ created_at: Date; absolute_expires_at: Date; expires_at: Date }[]>`
      select created_at, absolute_expires_at, expires_at from sessions where id = ${sha256(session.access)}`;
    // AUTH_SESSION_MAX_AGE: 24 h by default.
    expect((row?.absolute_expires_at.getTime() ?? 0) - (row?.created_at.getTime() ?? 0)).toBe(24 * 3600 * 1000);
    // Close to its end and to its sliding expiry: using it does not extend it past the end.
    await t.sql`
      update sessions set absolute_expires_at = now() + interval '2 seconds', expires_at = now() + interval '1 second'
      where id = ${sha256(session.access)}`;
    expect(await tokenWorks(t.http, session.access)).toBe(true);
    const [extended] = await t.sql<{ expires_at: Date; absolute_expires_at: Date }[]>`
      select expires_at, absolute_expires_at from sessions where id = ${sha256(session.access)}`;
    expect(extended?.expires_at.getTime()).toBe(extended?.absolute_expires_at.getTime());
    await t.sql`update sessions set absolute_expires_at = now() - interval '1 second' where id = ${sha256(session.access)}`;
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    // The refresh token of that login still gets a new access token.
    expect(await tokenWorks(t.http, (await refreshWith(session.refresh)).access)).toBe(true);
  });

  it('a login ends at the absolute lifetime of its refresh family however often it rotates', async () => {
    const { session } = await signedIn();
    const [row] = await t.sql<{ created_at: Date; family_expires_at: Date }[]>`
      select created_at, family_expires_at from refresh_tokens where token_hash = ${sha256(session.refresh)}`;
    // AUTH_REFRESH_FAMILY_MAX_AGE: 90 days by default.
    expect((row?.family_expires_at.getTime() ?? 0) - (row?.created_at.getTime() ?? 0)).toBe(90 * 86_400 * 1000);
    const next = await refreshWith(session.refresh);
    const [rotated] = await t.sql<{ family_expires_at: Date; expires_at: Date }[]>`
      select family_expires_at, expires_at from refresh_tokens where token_hash = ${sha256(next.refresh)}`;
    expect(rotated?.family_expires_at.getTime()).toBe(row?.family_expires_at.getTime());
    // Near its end, neither the new refresh token nor its access token outlives the family.
    await t.sql`
      update refresh_tokens set family_expires_at = now() + interval '1 minute' where token_hash = ${sha256(next.refresh)}`;
    const last = await refreshWith(next.refresh);
    const [lastRow] = await t.sql<{ family_expires_at: Date; expires_at: Date }[]>`
      select family_expires_at, expires_at from refresh_tokens where token_hash = ${sha256(last.refresh)}`;
    expect(lastRow?.expires_at.getTime()).toBe(lastRow?.family_expires_at.getTime());
    const [lastSession] = await t.sql<{ absolute_expires_at: Date }[]>`
      select absolute_expires_at from sessions where id = ${sha256(last.access)}`;
    expect(lastSession?.absolute_expires_at.getTime()).toBe(lastRow?.family_expires_at.getTime());
    await t.sql`
      update refresh_tokens set family_expires_at = now() - interval '1 second' where token_hash = ${sha256(last.refresh)}`;
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: last.refresh } }), 401);
  });

  it('refresh with an unknown token answers 401', async () => {
    const response = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: 'not-a-refresh-token' } });
    expectError(response, 401);
    expect(response.cookies).toEqual({});
    expectError(await t.http.post('/api/v1/auth/refresh', { cookie: 'refresh_token=unknown' }), 401);
  });

  it('refresh with an expired token answers 401', async () => {
    const { session } = await signedIn();
    await t.sql`update refresh_tokens set expires_at = now() - interval '1 second' where token_hash = ${sha256(session.refresh)}`;
    const response = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } });
    expectError(response, 401);
    expect(response.cookies).toEqual({});
  });

  it('an expired access token answers 401', async () => {
    const { session } = await signedIn();
    expect(await tokenWorks(t.http, session.access)).toBe(true);
    await t.sql`update sessions set expires_at = now() - interval '1 second' where id = ${sha256(session.access)}`;
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    // The refresh token of that login still gets a new access token.
    const next = await refreshWith(session.refresh);
    expect(await tokenWorks(t.http, next.access)).toBe(true);
  });

  it('refresh with an access token in place of the refresh token answers 401', async () => {
    const { session } = await signedIn();
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.access } }), 401);
  });

  it('refresh without any token answers 401', async () => {
    expectError(await t.http.post('/api/v1/auth/refresh'), 401);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: {} }), 401);
  });

  it('refresh for a deactivated user answers 403', async () => {
    const { session, id } = await signedIn();
    const admin = await adminToken(t.http);
    const deactivate = await t.http.patch(`/api/v1/users/${id}`, { token: admin, body: { is_active: false } });
    expect(deactivate.status, deactivate.text).toBe(200);
    const response = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } });
    expectError(response, 403);
    expect(response.cookies).toEqual({});
    // Reactivation does not bring the old refresh token back.
    await t.http.patch(`/api/v1/users/${id}`, { token: admin, body: { is_active: true } });
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
  });

  it('refresh rejects a wrongly typed or unknown body field with 400', async () => {
    const typed = await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: 12345 } });
    expectError(typed, 400, 'fields');
    expect(detailFields(typed)).toContain('refresh_token');
    const unknown = await t.http.post('/api/v1/auth/refresh', { body: { token: 'abc' } });
    expectError(unknown, 400, 'fields');
    expect(detailFields(unknown)).toContain('token');
  });
});

describe('auth caching', () => {
  it('every auth and /me answer carries Cache-Control: no-store, errors included', async () => {
    const account = await registerAccount(t.http);
    const session = await signIn(t.http, account.email, account.password);
    const responses = {
      register: await t.http.post('/api/v1/auth/register', { body: { email: account.email, password: 'pass-12345' } }),
      login: await t.http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
      wrongLogin: await t.http.post('/api/v1/auth/login', { body: { email: account.email, password: 'wrong-1234' } }),
      me: await t.http.get('/api/v1/me', { token: session.access }),
      anonymousMe: await t.http.get('/api/v1/me'),
      trpcMe: await t.http.get('/trpc/auth.me', { token: session.access }),
      patchMe: await t.http.patch('/api/v1/me', { token: session.access, body: { first_name: 'Nora' } }),
      forgot: await t.http.post('/api/v1/auth/forgot-password', { body: { email: account.email } }),
      refresh: await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }),
      badRefresh: await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: 12 } }),
      logout: await t.http.post('/api/v1/auth/logout', { body: { refresh_token: session.refresh } }),
    };
    for (const [name, response] of Object.entries(responses)) {
      expect(response.headers.get('cache-control'), name).toBe('no-store');
    }
    expect(responses.me.status).toBe(200);
    expect(responses.anonymousMe.status).toBe(401);
  });
});

describe('auth logout', () => {
  it('logout answers 204, clears the cookies and ends the access and refresh tokens', async () => {
    const { session } = await signedIn();
    const response = await t.http.post('/api/v1/auth/logout', {
      token: session.access,
      body: { refresh_token: session.refresh },
    });
    expectNoContent(response);
    expectCookiesCleared(response);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
  });

  it('logout with the browser cookies ends the session', async () => {
    const { session } = await signedIn();
    const response = await t.http.post('/api/v1/auth/logout', {
      cookie: `access_token=${session.access}; refresh_token=${session.refresh}; csrf_token=${session.csrf}`,
    });
    expectNoContent(response);
    expectCookiesCleared(response);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
  });

  it('logout with only the access token also ends the refresh token of that login', async () => {
    const { session } = await signedIn();
    expectNoContent(await t.http.post('/api/v1/auth/logout', { token: session.access }));
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
  });

  it('logout with only the refresh token also ends the access token of that login', async () => {
    const { session } = await signedIn();
    expectNoContent(await t.http.post('/api/v1/auth/logout', { body: { refresh_token: session.refresh } }));
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: session.refresh } }), 401);
  });

  it('logout ends only the session it names', async () => {
    const account = await signedIn();
    const other = await signIn(t.http, account.email, account.password);
    expectNoContent(await t.http.post('/api/v1/auth/logout', { token: account.session.access }));
    expect(await tokenWorks(t.http, other.access)).toBe(true);
    expect(await refreshStatus(other.refresh)).toBe(204);
  });

  it('logout without any credentials answers 204 and clears the cookies', async () => {
    const response = await t.http.post('/api/v1/auth/logout');
    expectNoContent(response);
    expectCookiesCleared(response);
    expectNoContent(await t.http.post('/api/v1/auth/logout', { body: {} }));
  });

  it('logout with unknown tokens answers 204', async () => {
    const response = await t.http.post('/api/v1/auth/logout', {
      token: 'unknown-access',
      body: { refresh_token: 'unknown-refresh' },
    });
    expectNoContent(response);
  });

  it('logout twice answers 204 both times', async () => {
    const { session } = await signedIn();
    expectNoContent(await t.http.post('/api/v1/auth/logout', { token: session.access }));
    expectNoContent(await t.http.post('/api/v1/auth/logout', { token: session.access }));
  });
});

describe('auth password change', () => {
  it('change password answers 204, clears the cookies and ends every session of the user', async () => {
    const account = await signedIn();
    const other = await signIn(t.http, account.email, account.password);
    const newPassword = 'brand-new-pass-2';
    const response = await t.http.put('/api/v1/me/password', {
      token: account.session.access,
      body: { current_password: account.password, new_password: newPassword },
    });
    expectNoContent(response);
    expectCookiesCleared(response);

    expect(await tokenWorks(t.http, account.session.access)).toBe(false);
    expect(await tokenWorks(t.http, other.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: account.session.refresh } }), 401);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: other.refresh } }), 401);

    expectError(
      await t.http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
      401,
    );
    const fresh = await signIn(t.http, account.email, newPassword);
    expect(await tokenWorks(t.http, fresh.access)).toBe(true);
  });

  it('change password with the cookie session and csrf token succeeds', async () => {
    const account = await signedIn();
    const response = await t.http.put('/api/v1/me/password', {
      cookie: account.session.cookie,
      headers: { 'x-csrf-token': account.session.csrf },
      body: { current_password: account.password, new_password: 'cookie-pass-22' },
    });
    expectNoContent(response);
    expectCookiesCleared(response);
    await signIn(t.http, account.email, 'cookie-pass-22');
  });

  it('change password with a wrong current password answers 400 and keeps everything', async () => {
    const account = await signedIn();
    const response = await t.http.put('/api/v1/me/password', {
      token: account.session.access,
      body: { current_password: 'not-my-password', new_password: 'brand-new-pass-2' },
    });
    expectError(response, 400, 'fields');
    expect(detailFields(response)).toEqual(['current_password']);
    expect(response.cookies).toEqual({});
    expect(await tokenWorks(t.http, account.session.access)).toBe(true);
    await signIn(t.http, account.email, account.password);
    expectError(
      await t.http.post('/api/v1/auth/login', { body: { email: account.email, password: 'brand-new-pass-2' } }),
      401,
    );
  });

  it('change password rejects invalid input with 400 and field details', async () => {
    const account = await signedIn();
    const cases: [Record<string, unknown>, string][] = [
      [{ current_password: account.password, new_password: 'short' }, 'new_password'],
      [{ current_password: account.password }, 'new_password'],
      [{ new_password: 'brand-new-pass-2' }, 'current_password'],
      [{ current_password: account.password, new_password: 12345678 }, 'new_password'],
      [{ current_password: account.password, new_password: 'brand-new-pass-2', logout: true }, 'logout'],
    ];
    for (const [body, field] of cases) {
      const response = await t.http.put('/api/v1/me/password', { token: account.session.access, body });
      expectError(response, 400, 'fields');
      expect(detailFields(response), JSON.stringify(body)).toContain(field);
    }
    expect(await tokenWorks(t.http, account.session.access)).toBe(true);
    await signIn(t.http, account.email, account.password);
  });

  it('change password answers 400 with the envelope to a malformed JSON body', async () => {
    const account = await signedIn();
    const response = await t.http.put('/api/v1/me/password', { token: account.session.access, raw: '{"current' });
    expectError(response, 400, 'fields');
  });

  it('change password clears must_change_password', async () => {
    const admin = await adminToken(t.http);
    const account = await registerAccount(t.http);
    const reset = await t.http.post(`/api/v1/users/${account.id}/reset-password`, {
      token: admin,
      body: { new_password: 'temporary-pass-1' },
    });
    expectNoContent(reset);
    const session = await signIn(t.http, account.email, 'temporary-pass-1');
    expect((await t.http.get('/api/v1/me', { token: session.access })).body.data.must_change_password).toBe(true);

    const change = await t.http.put('/api/v1/me/password', {
      token: session.access,
      body: { current_password: 'temporary-pass-1', new_password: 'my-own-pass-1' },
    });
    expectNoContent(change);
    const fresh = await signIn(t.http, account.email, 'my-own-pass-1');
    const me = await t.http.get('/api/v1/me', { token: fresh.access });
    expectUser(me.body.data, { id: account.id, must_change_password: false });
  });
});
