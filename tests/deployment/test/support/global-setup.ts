import { createTestDatabase } from '@statuspage/db/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/** One fresh, migrated database per test run (the api's healthcheck needs one); dropped afterwards. */
export default async function setup(project: TestProject) {
  const database = await createTestDatabase('sp_deployment_test');
  project.provide('databaseUrl', database.url);
  return async () => {
    await database.drop();
  };
}
