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
    expect(second).toEqual({ usersCreated: 0, groupsCreated: 0, servicesCreated: 0, eventsCreated: 0 });
    const users = await rows(postgres, sql`select email, role from users order by email`);
    expect(users).toEqual([
      { email: 'admin@example.com', role: 'admin' },
      { email: 'operator@example.com', role: 'operator' },
      { email: 'user@example.com', role: 'user' },
    ]);
  });

  it('seed writes the demo past once: resolved incidents and a completed maintenance with their status log', async () => {
    const events = await rows(postgres, sql`select title, type, status from events order by started_at`);
    expect(events).toEqual([
      { title: 'Elevated API latency', type: 'incident', status: 'resolved' },
      { title: 'Database outage', type: 'incident', status: 'resolved' },
      { title: 'Database version upgrade', type: 'maintenance', status: 'completed' },
      { title: 'Delayed e-mail notifications', type: 'incident', status: 'resolved' },
    ]);
    const log = await rows(
      postgres,
      sql`select count(*)::int as entries, min(created_at) < now() - interval '90 days' as from_90_days_ago,
        bool_and(effective_status = new_status) as effective from service_status_log`,
    );
    expect(log).toEqual([{ entries: 4 + 12, from_90_days_ago: true, effective: true }]);
    // Every service ends operational in its log, as it is now.
    const latest = await rows(
      postgres,
      sql`select distinct on (service_id) effective_status::text as status from service_status_log
        order by service_id, created_at desc`,
    );
    expect(latest).toEqual(Array(4).fill({ status: 'operational' }));
    await seedDevelopmentData(postgres.db);
    expect(await rows(postgres, sql`select count(*)::int as entries from service_status_log`)).toEqual([
      { entries: 16 },
    ]);
  });

  it('treat e-mails as unique regardless of case', async () => {
    await expect(
      postgres.db.execute(sql`insert into users (email, password_hash) values ('ADMIN@example.com', 'x')`),
    ).rejects.toThrow();
  });
});
