import { randomBytes } from 'node:crypto';
import { loadEnv } from '@statuspage/api/env';
import { type ApiServer, startApiServer } from '@statuspage/api/server';
import { inject } from 'vitest';

export const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** Starts the real api (Express, PostgreSQL, Redis) on a free port against the run's database. */
export async function startTestApi(overrides: Record<string, string> = {}): Promise<ApiServer> {
  const env = loadEnv({
    DATABASE_URL: inject('databaseUrl'),
    DATABASE_POOL_SIZE: '2',
    REDIS_URL: redisUrl,
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    COOKIE_SECURE: 'false',
    ...overrides,
  });
  const suffix = randomBytes(6).toString('hex');
  return startApiServer(env, {
    rateLimitPrefix: `rl-deployment-test-${suffix}`,
    publicCacheChannel: `public-cache-deployment-test-${suffix}`,
  });
}
