import { createHash } from 'node:crypto';
import { passwordWork } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import { startTestApi, unique } from './support/api';
import { createHttp } from './support/client';
import { adminToken } from './support/factories';
import { useTestApi } from './support/fixture';
import { expectError, expectNoContent, registerAccount, signIn, tokenWorks } from './support/identity';

const t = useTestApi();

interface ResetMail {
  id: string;
  payload: { user_id: string; email: string; first_name: string; token: string; expires_at: string };
  created_at: Date;
}

/** The password-reset e-mails written to the outbox for a user, oldest first. */
async function resetMails(userId: string): Promise<ResetMail[]> {
  return t.sql<ResetMail[]>`
    select id::text, payload, created_at from outbox
    where kind = 'email.password_reset' and payload->>'user_id' = ${userId}
    order by id`;
}

async function forgot(email: string) {
  const response = await t.http.post('/api/v1/auth/forgot-password', { body: { email } });
  expect(response.status, response.text).toBe(200);
  expect(Object.keys(response.body)).toEqual(['data']);
  expect(Object.keys(response.body.data)).toEqual(['message']);
  expect(response.body.data.message).toEqual(expect.any(String));
  return response;
}

/** Requests a reset for a new account and answers the account and the token from the outbox. */
async function accountWithResetToken() {
  const account = await registerAccount(t.http, { first_name: 'Rita' });
  await forgot(account.email);
  const mails = await resetMails(account.id);
  expect(mails).toHaveLength(1);
  const token = mails[0]?.payload.token ?? '';
  expect(token).not.toBe('');
  return { ...account, token };
}

describe('auth forgot password', () => {
  it('forgot password answers 200 with a message for a known e-mail and writes one reset e-mail', async () => {
    const account = await registerAccount(t.http, { first_name: 'Rita' });
    const before = Date.now();
    await forgot(account.email);
    const mails = await resetMails(account.id);
    expect(mails).toHaveLength(1);
    const payload = mails[0]?.payload;
    expect(payload).toMatchObject({ user_id: account.id, email: account.email, first_name: 'Rita' });
    expect(payload?.token.length).toBeGreaterThanOrEqual(32);
    const expiresAt = Date.parse(payload?.expires_at ?? '');
    expect(expiresAt - before).toBeGreaterThan(3_590_000);
    expect(expiresAt - before).toBeLessThan(3_660_000);

    // Only the token's hash is kept.
    const stored = await t.sql<{ token_hash: string }[]>`
      select token_hash from password_reset_tokens where user_id = ${account.id}`;
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).not.toBe(payload?.token);
    expect(stored[0]?.token_hash).toBe(
      createHash('sha256')
        .update(payload?.token ?? '')
        .digest('hex'),
    );
  });

  it('forgot password answers an unknown e-mail exactly like a known one and writes nothing', async () => {
    const known = await registerAccount(t.http);
    const knownResponse = await forgot(known.email);
    const email = `${unique('nobody')}@example.test`;
    const unknownResponse = await forgot(email);
    expect(unknownResponse.body).toEqual(knownResponse.body);
    const rows = await t.sql`select 1 from outbox where kind = 'email.password_reset' and payload->>'email' = ${email}`;
    expect(rows).toHaveLength(0);
  });

  it('forgot password finds the account in any case of the e-mail', async () => {
    const account = await registerAccount(t.http);
    await forgot(account.email.toUpperCase());
    expect(await resetMails(account.id)).toHaveLength(1);
  });

  it('forgot password writes no second e-mail within five minutes', async () => {
    const account = await registerAccount(t.http);
    await forgot(account.email);
    const second = await forgot(account.email);
    expect(second.body.data.message).toEqual(expect.any(String));
    expect(await resetMails(account.id)).toHaveLength(1);
    const tokens = await t.sql`select 1 from password_reset_tokens where user_id = ${account.id}`;
    expect(tokens).toHaveLength(1);
  });

  it('forgot password writes a new e-mail once the cooldown has passed', async () => {
    const account = await registerAccount(t.http);
    await forgot(account.email);
    await t.sql`
      update password_reset_tokens set created_at = now() - interval '6 minutes' where user_id = ${account.id}`;
    await forgot(account.email);
    const mails = await resetMails(account.id);
    expect(mails).toHaveLength(2);
    expect(mails[1]?.payload.token).not.toBe(mails[0]?.payload.token);
  });

  it('forgot password answers 200 for a deactivated account and writes nothing', async () => {
    const account = await registerAccount(t.http);
    const admin = await adminToken(t.http);
    const deactivate = await t.http.patch(`/api/v1/users/${account.id}`, { token: admin, body: { is_active: false } });
    expect(deactivate.status).toBe(200);
    await forgot(account.email);
    expect(await resetMails(account.id)).toHaveLength(0);
  });

  it('forgot password rejects invalid input with 400 and string details', async () => {
    const bodies: Record<string, unknown>[] = [
      {},
      { email: 'not-an-email' },
      { email: 42 },
      { email: 'someone@example.test', redirect: 'https://evil.example' },
    ];
    for (const body of bodies) {
      const response = await t.http.post('/api/v1/auth/forgot-password', { body });
      expectError(response, 400, 'string');
    }
    const unknown = await t.http.post('/api/v1/auth/forgot-password', {
      body: { email: 'someone@example.test', redirect: 'x' },
    });
    expect(unknown.body.error.details).toContain('redirect');
  });

  it('forgot password answers 400 with the envelope to a malformed JSON body', async () => {
    const response = await t.http.post('/api/v1/auth/forgot-password', { raw: '{"email":' });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body)).toEqual(['error']);
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  it('forgot password answers 400 when e-mail is not configured', async () => {
    const noMail = await startTestApi({ NOTIFICATIONS_EMAIL_ENABLED: 'false' });
    try {
      const client = createHttp(noMail.url);
      const account = await registerAccount(client);
      const response = await client.post('/api/v1/auth/forgot-password', { body: { email: account.email } });
      expect(response.status).toBe(400);
      expect(Object.keys(response.body)).toEqual(['error']);
      expect(response.body.error.message).toEqual(expect.any(String));
      if ('details' in response.body.error) expect(typeof response.body.error.details).toBe('string');
      expect(await resetMails(account.id)).toHaveLength(0);
    } finally {
      await noMail.close();
    }
  });
});

describe('auth password reset', () => {
  it('reset password with the e-mailed token answers 204 and sets the new password', async () => {
    const account = await accountWithResetToken();
    const response = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: account.token, new_password: 'reset-pass-123' },
    });
    expectNoContent(response);
    expectError(
      await t.http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
      401,
    );
    const session = await signIn(t.http, account.email, 'reset-pass-123');
    const me = await t.http.get('/api/v1/me', { token: session.access });
    expect(me.body.data).toMatchObject({ id: account.id, must_change_password: false });
  });

  it('reset password ends every session of the user', async () => {
    const account = await registerAccount(t.http);
    const first = await signIn(t.http, account.email, account.password);
    const second = await signIn(t.http, account.email, account.password);
    await forgot(account.email);
    const token = (await resetMails(account.id))[0]?.payload.token;
    expectNoContent(
      await t.http.post('/api/v1/auth/reset-password', { body: { token, new_password: 'reset-pass-123' } }),
    );
    expect(await tokenWorks(t.http, first.access)).toBe(false);
    expect(await tokenWorks(t.http, second.access)).toBe(false);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: first.refresh } }), 401);
    expectError(await t.http.post('/api/v1/auth/refresh', { body: { refresh_token: second.refresh } }), 401);
  });

  it('reset password token is single use', async () => {
    const account = await accountWithResetToken();
    expectNoContent(
      await t.http.post('/api/v1/auth/reset-password', {
        body: { token: account.token, new_password: 'first-reset-1' },
      }),
    );
    const again = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: account.token, new_password: 'second-reset-2' },
    });
    expectError(again, 400, 'string');
    await signIn(t.http, account.email, 'first-reset-1');
    expectError(
      await t.http.post('/api/v1/auth/login', { body: { email: account.email, password: 'second-reset-2' } }),
      401,
    );
  });

  it('reset password rejects an expired token with 400', async () => {
    const account = await accountWithResetToken();
    await t.sql`update password_reset_tokens set expires_at = now() - interval '1 second' where user_id = ${account.id}`;
    const response = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: account.token, new_password: 'late-reset-12' },
    });
    expectError(response, 400, 'string');
    await signIn(t.http, account.email, account.password);
  });

  it('reset password rejects an unknown token with 400 and string details', async () => {
    const response = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: 'not-a-reset-token', new_password: 'whatever-pass-1' },
    });
    expectError(response, 400, 'string');
  });

  it('reset password with an unknown token answers 400 without hashing the new password', async () => {
    const before = passwordWork.stats().started;
    const response = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: 'not-a-reset-token-either', new_password: 'whatever-pass-1' },
    });
    expectError(response, 400, 'string');
    expect(passwordWork.stats().started).toBe(before);
  });

  it('reset password spends the other unused reset links of the user', async () => {
    const account = await accountWithResetToken();
    const other = `other-link-${unique()}`;
    await t.sql`
      insert into password_reset_tokens (token_hash, user_id, expires_at)
      values (${createHash('sha256').update(other).digest('hex')}, ${account.id}, now() + interval '1 hour')`;
    expectNoContent(
      await t.http.post('/api/v1/auth/reset-password', { body: { token: other, new_password: 'first-reset-1' } }),
    );
    const older = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: account.token, new_password: 'second-reset-2' },
    });
    expectError(older, 400, 'string');
    await signIn(t.http, account.email, 'first-reset-1');
  });

  it('change password spends the unused reset links of the user', async () => {
    const account = await accountWithResetToken();
    const session = await signIn(t.http, account.email, account.password);
    expectNoContent(
      await t.http.put('/api/v1/me/password', {
        token: session.access,
        body: { current_password: account.password, new_password: 'changed-pass-1' },
      }),
    );
    const reset = await t.http.post('/api/v1/auth/reset-password', {
      body: { token: account.token, new_password: 'reset-pass-123' },
    });
    expectError(reset, 400, 'string');
    await signIn(t.http, account.email, 'changed-pass-1');
  });

  it('reset password rejects invalid input with 400 and string details and keeps the token', async () => {
    const account = await accountWithResetToken();
    const bodies: [Record<string, unknown>, string][] = [
      [{ token: account.token, new_password: 'short' }, 'new_password'],
      [{ token: account.token }, 'new_password'],
      [{ new_password: 'long-enough-1' }, 'token'],
      [{ token: 123, new_password: 'long-enough-1' }, 'token'],
      [{ token: '', new_password: 'long-enough-1' }, 'token'],
      [{ token: account.token, new_password: 'long-enough-1', email: account.email }, 'email'],
    ];
    for (const [body, field] of bodies) {
      const response = await t.http.post('/api/v1/auth/reset-password', { body });
      expectError(response, 400, 'string');
      expect(response.body.error.details, JSON.stringify(body)).toContain(field);
    }
    await signIn(t.http, account.email, account.password);
    // None of the refused requests spent the token.
    expectNoContent(
      await t.http.post('/api/v1/auth/reset-password', {
        body: { token: account.token, new_password: 'finally-ok-1' },
      }),
    );
  });

  it('reset password answers 400 with the envelope to a malformed JSON body', async () => {
    const response = await t.http.post('/api/v1/auth/reset-password', { raw: 'token=abc' });
    expect(response.status).toBe(400);
    expect(Object.keys(response.body)).toEqual(['error']);
    expect(response.body.error.message).toEqual(expect.any(String));
  });
});
