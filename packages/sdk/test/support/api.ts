import { randomBytes } from 'node:crypto';
import { loadEnv } from '@statuspage/api';
import { createLogger } from '@statuspage/api/logger';
import { type ApiServer, startApiServer } from '@statuspage/api/server';
import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';

export interface TestApi {
  url: string;
  server: ApiServer;
  stop(): Promise<void>;
}

/**
 * A real api (Express, PostgreSQL, Redis) on a free port over a fresh, migrated and
 * seeded database — the pattern of apps/api/test/support, for the SDK's tests.
 */
export async function startSeededApi(overrides: Record<string, string> = {}): Promise<TestApi> {
  const database = await createTestDatabase('sp_sdk_test');
  const seeder = await createDb({ url: database.url, poolSize: 2 });
  await seedDevelopmentData(seeder.db);
  await seeder.close();
  const env = loadEnv({
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '4',
    REDIS_URL: process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379',
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_METRICS_PORT: '0',
    LOG_LEVEL: 'silent',
    COOKIE_SECURE: 'false',
    RATE_LIMIT_AUTH_PER_IP: '100000',
    RATE_LIMIT_AUTH_PER_ACCOUNT: '100000',
    ...overrides,
  });
  const suffix = randomBytes(6).toString('hex');
  const server = await startApiServer(env, {
    logger: createLogger({ level: 'silent', format: 'json', name: 'sdk-test' }),
    rateLimitPrefix: `rl-sdk-test-${suffix}`,
    publicCacheChannel: `public-cache-sdk-test-${suffix}`,
  });
  return {
    url: server.url,
    server,
    async stop() {
      await server.close();
      await database.drop();
    },
  };
}
