import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitSettings {
  perIp: number;
  perAccount: number;
  windowSeconds: number;
  /** Key prefix in Redis (tests use their own). */
  keyPrefix?: string;
}

export type RateLimitedAction = 'login' | 'register' | 'forgot_password' | 'reset_password' | 'verify_channel';

/** A refusal: how long until the caller may try again. */
export class RateLimited extends Error {
  override readonly name = 'RateLimited';
  constructor(readonly retryAfterSeconds: number) {
    super('too many requests, try again later');
  }
}

/**
 * Per-IP and per-account limits for the auth endpoints: in Redis when it is
 * configured (shared by all api replicas, with an in-memory fallback while
 * Redis is unreachable), in memory otherwise.
 */
export function createAuthRateLimiter(settings: RateLimitSettings, redis?: Redis) {
  const prefix = settings.keyPrefix ?? 'rl';
  const make = (name: string, points: number) => {
    const memory = new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration: settings.windowSeconds });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:${name}`,
      points,
      duration: settings.windowSeconds,
      insuranceLimiter: memory,
      rejectIfRedisNotReady: false,
    });
  };
  const limiters = {
    ip: make('ip', settings.perIp),
    account: make('account', settings.perAccount),
  };

  return {
    /** Counts one attempt; throws RateLimited when either the IP or the account is over its limit. */
    async consume(action: RateLimitedAction, ip: string, account?: string) {
      try {
        await limiters.ip.consume(`${action}:${ip}`);
        if (account) await limiters.account.consume(`${action}:${account.toLowerCase()}`);
      } catch (error) {
        if (error instanceof RateLimiterRes) {
          throw new RateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
        }
        throw error;
      }
    },
  };
}
export type AuthRateLimiter = ReturnType<typeof createAuthRateLimiter>;
