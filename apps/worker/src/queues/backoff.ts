import type { BackoffStrategy } from 'bullmq';

/** Name of the backoff type the queues' default job options use. */
export const cappedExponential = 'capped-exponential';

/**
 * Exponential backoff capped at a maximum: initial, 2×, 4×… up to `maxMs`,
 * with up to 10 % jitter so that a burst of failures does not retry in
 * lockstep. A peer that named its own wait (`retryAfterMs` on the error) gets
 * at least that.
 */
export function cappedExponentialBackoff(initialMs: number, maxMs: number): BackoffStrategy {
  return (attemptsMade, _type, error) => {
    const exponential = initialMs * 2 ** Math.max(0, attemptsMade - 1);
    const jittered = Math.min(exponential, maxMs) * (1 - Math.random() * 0.1);
    const asked = (error as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    return Math.round(Math.min(Math.max(jittered, typeof asked === 'number' ? asked : 0), Math.max(maxMs, 0)));
  };
}
