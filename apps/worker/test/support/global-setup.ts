import { randomBytes } from 'node:crypto';
import { createTestDatabase } from '@statuspage/db/testing';
import { Redis } from 'ioredis';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisUrl: string;
    /** BullMQ key prefix of this run; each test file adds its own part. */
    queuePrefix: string;
  }
}

export const redisUrl = process.env.TEST_REDIS_URL || 'redis://127.0.0.1:6379';

/** One fresh, migrated database and one BullMQ prefix per test run; both removed afterwards. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase('sp_worker_test');
  const queuePrefix = `sp-test-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  project.provide('databaseUrl', database.url);
  project.provide('redisUrl', redisUrl);
  project.provide('queuePrefix', queuePrefix);
  return async () => {
    await database.drop();
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    try {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${queuePrefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await redis.unlink(...keys);
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  };
}
