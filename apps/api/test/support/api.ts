import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { loadEnv } from '../../src/env';
import { createLogger } from '../../src/logger';
import { type ApiServer, startApiServer } from '../../src/server';

export const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Starts the real api (Express, PostgreSQL, Redis) on a free port against the run's database. */
export async function startTestApi(
  overrides: Record<string, string> = {},
  /** Its own rate-limit keys unless `rateLimitPrefix` (replicas sharing their counts) is given. */
  options: { publicCacheChannel?: string; rateLimitPrefix?: string } = {},
): Promise<ApiServer> {
  const env = loadEnv({
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: redisUrl,
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    COOKIE_SECURE: 'false',
    RATE_LIMIT_AUTH_PER_IP: '100000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '100000',
    // Every test file subscribes from loopback: the subscriber tests set their own limits.
    SUBSCRIBERS_RATE_LIMIT_PER_IP: '100000',
    SUBSCRIBERS_RATE_LIMIT_PER_ADDRESS: '100000',
    SUBSCRIBERS_MAX_PENDING_PER_IP: '100000',
    // The tests' webhook receivers listen on loopback.
    NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS: '127.0.0.0/8,::1',
    ...overrides,
  });
  return startApiServer(env, {
    logger: createLogger({ level: 'silent', format: 'json', name: 'api-test' }),
    rateLimitPrefix: `rl-test-${randomBytes(6).toString('hex')}`,
    ...options,
  });
}

/** A unique suffix for names, slugs and e-mails created by a test. */
export function unique(prefix = 't') {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
