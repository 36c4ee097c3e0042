import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { adminToken } from './support/factories';
import { useTestApi } from './support/fixture';
import { registerAccount, signIn, tokenWorks } from './support/identity';

// AUTH_CACHE_TTL: a replica trusts a credential it has just checked for that long without asking the
// database. What goes through the api — sign-out, deactivation, role changes, password changes, key
// revocation — applies at once all the same; a change behind its back (here: SQL, standing for another
// replica) within the TTL; an expiry never later than it is.

const t = useTestApi({ AUTH_CACHE_TTL: '30s' });
const sha256 = (token: string) => createHash('sha256').update(token).digest('hex');

async function signedIn() {
  const account = await registerAccount(t.http);
  const session = await signIn(t.http, account.email, account.password);
  expect(await tokenWorks(t.http, session.access)).toBe(true);
  return { account, session };
}

describe('the authentication cache', () => {
  it('trusts a checked token for the TTL: a change made behind its back is not seen at once', async () => {
    const { session } = await signedIn();
    await t.sql`update sessions set expires_at = now() - interval '1 second' where id = ${sha256(session.access)}`;
    // Cached: another replica's (here SQL's) change shows within AUTH_CACHE_TTL, not at once.
    expect(await tokenWorks(t.http, session.access)).toBe(true);
    // Any identity write through this replica empties the cache: the database is asked again.
    await registerAccount(t.http);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
  });

  it('signing out ends the token at once', async () => {
    const { session } = await signedIn();
    const out = await t.http.post('/api/v1/auth/logout', {
      token: session.access,
      body: { refresh_token: session.refresh },
    });
    expect(out.status).toBeLessThan(300);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
  });

  it('deactivating an account and changing its role apply at once', async () => {
    const admin = await adminToken(t.http);
    const { account, session } = await signedIn();
    const promoted = await t.http.patch(`/api/v1/users/${account.id}`, { token: admin, body: { role: 'admin' } });
    expect(promoted.status).toBe(200);
    const asAdmin = await signIn(t.http, account.email, account.password);
    expect((await t.http.get('/api/v1/users', { token: asAdmin.access })).status).toBe(200);
    const demoted = await t.http.patch(`/api/v1/users/${account.id}`, { token: admin, body: { role: 'user' } });
    expect(demoted.status).toBe(200);
    expect((await t.http.get('/api/v1/users', { token: asAdmin.access })).status).toBe(403);
    const deactivated = await t.http.patch(`/api/v1/users/${account.id}`, { token: admin, body: { is_active: false } });
    expect(deactivated.status).toBe(200);
    expect(await tokenWorks(t.http, session.access)).toBe(false);
    expect(await tokenWorks(t.http, asAdmin.access)).toBe(false);
  });

  it('changing the password ends the other sessions at once', async () => {
    const { account, session } = await signedIn();
    const other = await signIn(t.http, account.email, account.password);
    expect(await tokenWorks(t.http, other.access)).toBe(true);
    const changed = await t.http.put('/api/v1/me/password', {
      token: session.access,
      body: { current_password: account.password, new_password: 'another-horse-2' },
    });
    expect(changed.status).toBeLessThan(300);
    expect(await tokenWorks(t.http, other.access)).toBe(false);
  });

  it('a revoked API key answers 401 at once; an expiring one no later than its expiry', async () => {
    const admin = await adminToken(t.http);
    const created = await t.http.post('/api/v1/keys', { token: admin, body: { name: 'cached', role: 'operator' } });
    expect(created.status).toBe(201);
    const key = created.body.data as { id: string; secret: string };
    expect(await tokenWorks(t.http, key.secret)).toBe(true);
    expect((await t.http.delete(`/api/v1/keys/${key.id}`, { token: admin })).status).toBe(204);
    expect(await tokenWorks(t.http, key.secret)).toBe(false);

    const soon = new Date(Date.now() + 1500).toISOString();
    const expiring = await t.http.post('/api/v1/keys', {
      token: admin,
      body: { name: 'short-lived', role: 'operator', expires_at: soon },
    });
    expect(expiring.status).toBe(201);
    const short = expiring.body.data as { secret: string };
    expect(await tokenWorks(t.http, short.secret)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Date.parse(soon) - Date.now() + 100));
    // Cached for 30 s, but never past the key's own end.
    expect(await tokenWorks(t.http, short.secret)).toBe(false);
  });
});
