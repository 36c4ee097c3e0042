import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbClient } from '../src/client';
import { seedDevelopmentData } from '../src/seed';
import { createTestDatabase } from '../src/testing';

const describeSchema = sql`
  select table_name, column_name, data_type, is_nullable, column_default
  from information_schema.columns
  where table_schema = 'public'
  order by table_name, column_name`;

const describeIndexes = sql`
  select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by tablename, indexname`;

async function rows(client: DbClient, query: typeof describeSchema) {
  const result = (await client.db.execute(query)) as unknown as { rows?: unknown[] } | unknown[];
  return Array.isArray(result) ? [...result] : (result.rows ?? []);
}

describe('db migrations', () => {
  let server: Awaited<ReturnType<typeof createTestDatabase>>;
  let postgres: DbClient;
  let pglite: DbClient;
  beforeAll(async () => {
    server = await createTestDatabase('sp_db_test');
    postgres = await createDb({ url: server.url, poolSize: 2 });
    pglite = await createDb({ dataDir: 'memory://' });
    await pglite.migrate();
  }, 120_000);
  afterAll(async () => {
    await postgres?.close();
    await pglite?.close();
    await server?.drop();
  });

  it('produce the same tables, columns and indexes on PostgreSQL and PGlite', async () => {
    const onServer = await rows(postgres, describeSchema);
    const embedded = await rows(pglite, describeSchema);
    expect(onServer.length).toBeGreaterThan(40);
    expect(embedded).toEqual(onServer);
    expect(await rows(pglite, describeIndexes)).toEqual(await rows(postgres, describeIndexes));
  });

  it('are idempotent: migrating again changes nothing', async () => {
    const before = await rows(postgres, describeSchema);
    await postgres.migrate();
    expect(await rows(postgres, describeSchema)).toEqual(before);
  });

  it('create no accounts: the development accounts come only from the seed command', async () => {
    const users = await rows(postgres, sql`select email from users`);
    expect(users).toEqual([]);
  });

  it('seed is idempotent and creates the three development accounts', async () => {
    const first = await seedDevelopmentData(postgres.db);
    const second = await seedDevelopmentData(postgres.db);
    expect(first.usersCreated).toBe(3);
    expect(second).toEqual({ usersCreated: 0, groupsCreated: 0, servicesCreated: 0 });
    const users = await rows(postgres, sql`select email, role from users order by email`);
    expect(users).toEqual([
      { email: 'admin@example.com', role: 'admin' },
      { email: 'operator@example.com', role: 'operator' },
      { email: 'user@example.com', role: 'user' },
    ]);
  });

  it('treat e-mails as unique regardless of case', async () => {
    await expect(
      postgres.db.execute(sql`insert into users (email, password_hash) values ('ADMIN@example.com', 'x')`),
    ).rejects.toThrow();
  });
});
