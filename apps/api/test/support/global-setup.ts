import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** One fresh, migrated and seeded database per test run; dropped afterwards. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase('sp_api_test');
  const client = await createDb({ url: database.url, poolSize: 2 });
  await seedDevelopmentData(client.db);
  await client.close();
  project.provide('databaseUrl', database.url);
  return async () => {
    await database.drop();
  };
}
