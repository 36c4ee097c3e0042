import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisClient } from '@statuspage/platform';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';

export interface RateLimitSettings {
  perIp: number;
  perAccount: number;
  windowSeconds: number;
  /** Actions with limits of their own (e.g. subscribing), instead of the ones above. */
  actions?: Partial<Record<RateLimitedAction, { perIp: number; perAccount: number; windowSeconds: number }>>;
  /** Key prefix in Redis (tests use their own). */
  keyPrefix?: string;
}

/** Actions limited by attempts: each call counts, whatever its outcome. */
export type RateLimitedAction =
  | 'register'
  | 'forgot_password'
  | 'reset_password'
  | 'verify_channel'
  /** An account-less subscription (per ip, and per address). */
  | 'subscribe'
  /** A confirmation or manage link used (per ip, and per token hash). */
  | 'subscriber_link';

/** Secrets guessed against an account: only wrong guesses count. */
export type GuessedSecret = 'login' | 'change_password';

/** A refusal: how long until the caller may try again. */
export class RateLimited extends Error {
  override readonly name = 'RateLimited';
  constructor(readonly retryAfterSeconds: number) {
    super('too many requests, try again later');
  }
}

/** First delay once an account's failures (from every ip) pass `perAccount`; it doubles with each failure more. */
export const GUESS_DELAY_BASE_MS = 250;
/** The longest delay: an account under attack stays usable, slowly, for its owner. */
export const GUESS_DELAY_MAX_MS = 5_000;

/** The delay before checking a guess against an account that has had `failures` wrong ones in the window. */
export function guessDelayMs(failures: number, perAccount: number) {
  const excess = failures - perAccount;
  if (excess <= 0) return 0;
  return Math.min(GUESS_DELAY_MAX_MS, GUESS_DELAY_BASE_MS * 2 ** Math.min(excess - 1, 16));
}

export interface RateLimiterOptions {
  /** Waits the guess delay (tests record it instead). */
  sleep?: (ms: number) => Promise<unknown>;
}

/**
 * The limits of the auth endpoints: in Redis when it is configured (shared by
 * all api replicas, with an in-memory fallback while Redis is unreachable),
 * in memory otherwise.
 *
 * - Attempts (`consume`): register, forgot and reset password count every
 *   call, per ip (`perIp`) and per account (`perAccount`: the address, or the
 *   reset token's hash).
 * - Guesses (`beforeGuess`, `guessFailed`, `guessSucceeded`): login and
 *   password change count only wrong secrets (the OWASP pattern), so a client
 *   that signs in often is never refused. Per ip: `perIp` failures, then 429.
 *   Per account and ip: `perAccount` failures, then 429 for that ip and that
 *   account only. Per account from any ip: past `perAccount` failures each
 *   guess waits a growing delay (up to 5 s) instead of a refusal, so nobody
 *   can lock an account by guessing from many addresses.
 */
export function createAuthRateLimiter(
  settings: RateLimitSettings,
  redis?: RedisClient,
  options: RateLimiterOptions = {},
) {
  const prefix = settings.keyPrefix ?? 'rl';
  const wait = options.sleep ?? sleep;
  const make = (name: string, points: number, duration = settings.windowSeconds): RateLimiterAbstract => {
    const memory = new RateLimiterMemory({ keyPrefix: `${prefix}:${name}`, points, duration });
    if (!redis) return memory;
    return new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${prefix}:${name}`,
      points,
      duration,
      insuranceLimiter: memory,
      rejectIfRedisNotReady: false,
    });
  };
  const limiters = {
    ip: make('ip', settings.perIp),
    account: make('account', settings.perAccount),
    failedIp: make('failed-ip', settings.perIp),
    failedAccountIp: make('failed-account-ip', settings.perAccount),
    // Counts only (never refuses): its count sets the delay.
    failedAccount: make('failed-account', Number.MAX_SAFE_INTEGER),
  };
  // Actions with their own limits count in limiters of their own.
  const own = new Map(
    Object.entries(settings.actions ?? {}).map(([action, limits]) => [
      action,
      {
        ip: make(`${action}-ip`, limits.perIp, limits.windowSeconds),
        account: make(`${action}-account`, limits.perAccount, limits.windowSeconds),
      },
    ]),
  );
  const attemptLimiters = (action: RateLimitedAction) => own.get(action) ?? limiters;
  const keys = (secret: GuessedSecret, ip: string, account: string) => {
    const who = `${secret}:${account.toLowerCase()}`;
    return { ip: `${secret}:${ip}`, accountIp: `${who}:${ip}`, account: who };
  };
  const refusal = (res: RateLimiterRes) => new RateLimited(Math.max(1, Math.ceil(res.msBeforeNext / 1000)));

  return {
    /** Gives back an attempt that did not reach the operation (its input was refused by the schema). */
    async refund(action: RateLimitedAction, ip: string, account?: string) {
      const limit = attemptLimiters(action);
      await limit.ip.reward(`${action}:${ip}`, 1);
      if (account) await limit.account.reward(`${action}:${account.toLowerCase()}`, 1);
    },

    /** Counts one attempt; throws RateLimited when either the IP or the account is over its limit. */
    async consume(action: RateLimitedAction, ip: string, account?: string) {
      const limit = attemptLimiters(action);
      try {
        await limit.ip.consume(`${action}:${ip}`);
        if (account) await limit.account.consume(`${action}:${account.toLowerCase()}`);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw refusal(error);
        throw error;
      }
    },

    /** Before checking a secret: RateLimited when the ip, or the ip for this account, is out of guesses; else waits the account's delay. */
    async beforeGuess(secret: GuessedSecret, ip: string, account: string) {
      const key = keys(secret, ip, account);
      const [byIp, byAccountIp, byAccount] = await Promise.all([
        limiters.failedIp.get(key.ip),
        limiters.failedAccountIp.get(key.accountIp),
        limiters.failedAccount.get(key.account),
      ]);
      if (byIp && byIp.consumedPoints >= settings.perIp) throw refusal(byIp);
      if (byAccountIp && byAccountIp.consumedPoints >= settings.perAccount) throw refusal(byAccountIp);
      const delay = guessDelayMs(byAccount?.consumedPoints ?? 0, settings.perAccount);
      if (delay > 0) await wait(delay);
    },

    /** A wrong secret: counts against the ip, the account from this ip, and the account. */
    async guessFailed(secret: GuessedSecret, ip: string, account: string) {
      const key = keys(secret, ip, account);
      // Over the limit, consume rejects; the count is what matters here (the next guess is refused).
      const count = (limiter: RateLimiterAbstract, name: string) =>
        limiter.consume(name).catch((error: unknown) => {
          if (!(error instanceof RateLimiterRes)) throw error;
        });
      await Promise.all([
        count(limiters.failedIp, key.ip),
        count(limiters.failedAccountIp, key.accountIp),
        count(limiters.failedAccount, key.account),
      ]);
    },

    /** The right secret: this ip's failures for the account are forgotten (the ip's and the account's are not). */
    async guessSucceeded(secret: GuessedSecret, ip: string, account: string) {
      await limiters.failedAccountIp.delete(keys(secret, ip, account).accountIp);
    },
  };
}
export type AuthRateLimiter = ReturnType<typeof createAuthRateLimiter>;

export interface ApiKeyRateLimitSettings {
  /** Requests per key and window. */
  requests: number;
  windowSeconds: number;
  /** Key prefix in Redis (tests use their own). */
  keyPrefix?: string;
  /** What is counted (`api-key`, `integration`): part of the Redis key. */
  name?: string;
}

/**
 * The budget of each API key: every request a key authenticates counts, whatever its
 * outcome, in Redis when configured (shared by the replicas, memory while it is away).
 */
export function createApiKeyRateLimiter(settings: ApiKeyRateLimitSettings, redis?: RedisClient) {
  const keyPrefix = `${settings.keyPrefix ?? 'rl'}:${settings.name ?? 'api-key'}`;
  const memory = new RateLimiterMemory({ keyPrefix, points: settings.requests, duration: settings.windowSeconds });
  const limiter: RateLimiterAbstract = redis
    ? new RateLimiterRedis({
        storeClient: redis,
        keyPrefix,
        points: settings.requests,
        duration: settings.windowSeconds,
        insuranceLimiter: memory,
        rejectIfRedisNotReady: false,
      })
    : memory;
  return {
    /** Counts one request of the key; throws RateLimited when its budget for the window is spent. */
    async consume(apiKeyId: string) {
      try {
        await limiter.consume(apiKeyId);
      } catch (error) {
        if (error instanceof RateLimiterRes) throw new RateLimited(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
        throw error;
      }
    },
  };
}
export type ApiKeyRateLimiter = ReturnType<typeof createApiKeyRateLimiter>;

/**
 * The budget of each integration's endpoint, per client ip (`name: 'integration'`): a monitoring
 * system sends from its own address, so a stranger's flood does not spend its budget.
 */
export function createIntegrationRateLimiter(settings: Omit<ApiKeyRateLimitSettings, 'name'>, redis?: RedisClient) {
  return createApiKeyRateLimiter({ ...settings, name: 'integration' }, redis);
}
