import { passwordWork } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import { useTestApi } from './support/fixture';
import { expectError, registerAccount } from './support/identity';

// One argon2 at a time and no queue: a second concurrent sign-in is refused instead of waiting.
// (The gate is per process, and each test file runs in its own process.)
const t = useTestApi({ AUTH_PASSWORD_HASH_CONCURRENCY: '1', AUTH_PASSWORD_HASH_QUEUE: '0' });

describe('auth password work', () => {
  it('logins beyond the argon2 concurrency and queue answer 503 with Retry-After, the others answer', async () => {
    const account = await registerAccount(t.http);
    const refusedBefore = passwordWork.stats().refused;
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.http.post('/api/v1/auth/login', { body: { email: account.email, password: account.password } }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThan(0);
    expect(
      statuses.every((status) => status === 200 || status === 503),
      statuses.join(','),
    ).toBe(true);
    const busy = responses.filter((response) => response.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const response of busy) {
      expectError(response, 503);
      expect(response.headers.get('retry-after')).toBe('1');
      expect(response.cookies).toEqual({});
    }
    expect(passwordWork.stats().refused - refusedBefore).toBe(busy.length);
  });
});
