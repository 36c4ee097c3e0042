import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { createDb } from './client';

/** The server the test suites create their databases on. */
export const testServerUrl = process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Creates a new, migrated database for one test run and returns its URL and
 * a function that drops it, so that runs never see each other's data.
 */
export async function createTestDatabase(prefix = 'sp_test') {
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
  const admin = postgres(testServerUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(testServerUrl);
  url.pathname = `/${name}`;
  const client = await createDb({ url: url.toString(), poolSize: 2 });
  try {
    await client.migrate();
  } finally {
    await client.close();
  }
  return {
    url: url.toString(),
    name,
    async drop() {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end({ timeout: 5 });
    },
  };
}
