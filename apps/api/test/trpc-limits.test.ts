import { passwordWork } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import { unique } from './support/api';
import { useTestApi } from './support/fixture';
import { expectError } from './support/identity';

const t = useTestApi({ BODY_LIMIT: '64kb' });

const batchPath = (procedure: string, count: number) =>
  `/trpc/${Array.from({ length: count }, () => procedure).join(',')}?batch=1`;

describe('trpc batches', () => {
  it('a batched POST of 100 resetPassword calls is refused with 400 before any password is hashed', async () => {
    const before = passwordWork.stats().started;
    const inputs = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [String(i), { token: `not-a-token-${i}`, new_password: 'new-pass-1234' }]),
    );
    const response = await t.http.post(batchPath('auth.resetPassword', 100), { body: inputs });
    expectError(response, 400);
    expect(response.body.error.message).toMatch(/batch/);
    expect(passwordWork.stats().started).toBe(before);
  });

  it('a batched POST of two mutations is refused and runs neither', async () => {
    const first = `${unique('batch')}@example.test`;
    const second = `${unique('batch')}@example.test`;
    const response = await t.http.post('/trpc/auth.register,auth.register?batch=1', {
      body: { 0: { email: first, password: 'pass-12345' }, 1: { email: second, password: 'pass-12345' } },
    });
    expectError(response, 400);
    expect(await t.sql`select 1 from users where email in (${first}, ${second})`).toHaveLength(0);
  });

  it('a batched POST of one mutation (older clients) still runs it', async () => {
    const email = `${unique('batch')}@example.test`;
    const response = await t.http.post('/trpc/auth.register?batch=1', {
      body: { 0: { email, password: 'pass-12345' } },
    });
    expect(response.status, response.text).toBe(200);
    expect(response.body[0].result.data.data.email).toBe(email);
  });

  it('a GET batch of 300 services.list is refused with 400', async () => {
    const response = await t.http.get(batchPath('services.list', 300));
    expect(response.status, response.text).toBe(400);
    expect(response.text).toMatch(/Batch call exceeds maximum size/);
  });

  it('a GET batch of 10 queries is answered', async () => {
    const input = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [String(i), {}]));
    const response = await t.http.get(
      `${batchPath('services.list', 10)}&input=${encodeURIComponent(JSON.stringify(input))}`,
    );
    expect(response.status, response.text).toBe(200);
    expect(response.body).toHaveLength(10);
  });
});

describe('trpc request bodies', () => {
  it.each([
    [
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.c\r\n--x--\r\n',
    ],
    ['application/x-www-form-urlencoded', 'email=a%40b.c&password=pass-12345'],
    ['text/plain', '{"email":"a@b.c","password":"pass-12345"}'],
    ['application/octet-stream', 'x'.repeat(1000)],
  ])('a %s body to a mutation answers 415 with the envelope', async (type, raw) => {
    const response = await t.http.post('/trpc/auth.register', { raw, headers: { 'content-type': type } });
    expectError(response, 415);
  });

  it('a multipart body larger than BODY_LIMIT is refused with 415 without being read into the procedure', async () => {
    const email = `${unique('multipart')}@example.test`;
    const filler = 'x'.repeat(2 * 1024 * 1024);
    const raw = `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${email}\r\n--x\r\nContent-Disposition: form-data; name="password"\r\n\r\npass-12345\r\n--x\r\nContent-Disposition: form-data; name="f"\r\n\r\n${filler}\r\n--x--\r\n`;
    const response = await t.http
      .post('/trpc/auth.register', { raw, headers: { 'content-type': 'multipart/form-data; boundary=x' } })
      .catch(() => undefined);
    // The server may close the connection before the client has sent everything: refused either way.
    if (response) expectError(response, 415);
    expect(await t.sql`select 1 from users where email = ${email}`).toHaveLength(0);
  });

  it('a JSON body larger than BODY_LIMIT to /trpc answers 413', async () => {
    const response = await t.http.post('/trpc/auth.register', {
      body: { email: 'a@b.c', password: 'x'.repeat(100 * 1024) },
    });
    expectError(response, 413);
  });
});
