import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createAuthRateLimiter, GUESS_DELAY_MAX_MS, guessDelayMs, RateLimited } from '../src/http/rate-limit';

/** An in-memory limiter whose guess delays are recorded, not waited. */
function recordingLimiter(perIp: number, perAccount: number) {
  const delays: number[] = [];
  const limiter = createAuthRateLimiter(
    { perIp, perAccount, windowSeconds: 60, keyPrefix: `rl-unit-${randomBytes(4).toString('hex')}` },
    undefined,
    { sleep: async (ms) => delays.push(ms) },
  );
  return { limiter, delays };
}

describe('auth rate limiter guesses', () => {
  it('delays guesses at an account past its failures from every ip, doubling, never refusing', async () => {
    const { limiter, delays } = recordingLimiter(1000, 2);
    for (let i = 1; i <= 5; i++) {
      await limiter.beforeGuess('login', `198.51.100.${i}`, 'victim@example.test');
      await limiter.guessFailed('login', `198.51.100.${i}`, 'Victim@Example.test');
    }
    await limiter.beforeGuess('login', '198.51.100.99', 'victim@example.test');
    expect(delays).toEqual([250, 500, 1000]);
    // Another account is not slowed.
    await limiter.beforeGuess('login', '198.51.100.99', 'other@example.test');
    expect(delays).toHaveLength(3);
  });

  it('refuses an ip its guesses at one account once it used them, and forgets them when it guesses right', async () => {
    const { limiter } = recordingLimiter(1000, 2);
    await limiter.guessFailed('login', '203.0.113.1', 'a@example.test');
    await limiter.guessSucceeded('login', '203.0.113.1', 'a@example.test');
    await limiter.guessFailed('login', '203.0.113.1', 'a@example.test');
    await limiter.beforeGuess('login', '203.0.113.1', 'a@example.test');
    await limiter.guessFailed('login', '203.0.113.1', 'a@example.test');
    await expect(limiter.beforeGuess('login', '203.0.113.1', 'a@example.test')).rejects.toBeInstanceOf(RateLimited);
    await limiter.beforeGuess('login', '203.0.113.2', 'a@example.test');
    await limiter.beforeGuess('login', '203.0.113.1', 'b@example.test');
  });

  it('refuses an ip once it used its failures over every account', async () => {
    const { limiter } = recordingLimiter(2, 100);
    await limiter.guessFailed('login', '203.0.113.3', 'a@example.test');
    await limiter.guessFailed('login', '203.0.113.3', 'b@example.test');
    const refused = await limiter.beforeGuess('login', '203.0.113.3', 'c@example.test').catch((error) => error);
    expect(refused).toBeInstanceOf(RateLimited);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // Password changes are counted apart from logins.
    await limiter.beforeGuess('change_password', '203.0.113.3', 'user-id');
  });

  it('caps the delay', () => {
    expect(guessDelayMs(2, 2)).toBe(0);
    expect(guessDelayMs(3, 2)).toBe(250);
    expect(guessDelayMs(1_000, 2)).toBe(GUESS_DELAY_MAX_MS);
  });
});
