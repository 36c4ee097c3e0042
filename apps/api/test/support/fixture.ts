import { afterAll, beforeAll } from 'vitest';
import type { ApiServer } from '../../src/server';
import { startTestApi } from './api';
import { currentUserId } from './catalog';
import { createHttp, type Http } from './client';
import { adminToken, createAccount } from './factories';
import { openDatabase, type Sql } from './identity';

export interface TestApi {
  api: ApiServer;
  /** A client of the api. */
  http: Http;
  /** The run's database, for what the api does not show. */
  sql: Sql;
}

export type TestAccount = Awaited<ReturnType<typeof createAccount>>;

export interface ApiFixture extends TestApi {
  /** The seeded admin's access token, and id. */
  admin: string;
  adminId: string;
  /** An operator and a user created for this file, signed in. */
  operator: TestAccount;
  user: TestAccount;
}

/**
 * The api of one test file: started before its tests (`beforeAll`), stopped
 * after them. The fields are set once the hook has run: read them inside
 * hooks and tests, not at the file's top level.
 */
export function useTestApi(
  env: Record<string, string> = {},
  options: Parameters<typeof startTestApi>[1] = {},
): TestApi {
  const fixture = {} as TestApi;
  beforeAll(async () => {
    const api = await startTestApi(env, options);
    Object.assign(fixture, { api, http: createHttp(api.url), sql: openDatabase() });
  });
  afterAll(async () => {
    await fixture.sql?.end({ timeout: 5 });
    await fixture.api?.close();
  });
  return fixture;
}

/** `useTestApi`, plus the accounts most tests act as. */
export function useApiFixture(
  env: Record<string, string> = {},
  options: Parameters<typeof startTestApi>[1] = {},
): ApiFixture {
  const fixture = useTestApi(env, options) as ApiFixture;
  beforeAll(async () => {
    const { http } = fixture;
    const admin = await adminToken(http);
    Object.assign(fixture, {
      admin,
      adminId: await currentUserId(http, admin),
      operator: await createAccount(http, 'operator'),
      user: await createAccount(http, 'user'),
    });
  });
  return fixture;
}
