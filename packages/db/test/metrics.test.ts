import { sql } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbClient } from '../src/client';
import { registerDatabaseMetrics } from '../src/metrics';
import { outbox } from '../src/schema';
import { createTestDatabase } from '../src/testing';

/** The value of one series in a registry's text exposition (undefined when absent). */
async function sample(registry: Registry, name: string, labels: Record<string, string> = {}) {
  for (const line of (await registry.metrics()).split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('database metrics on PostgreSQL', () => {
  let server: Awaited<ReturnType<typeof createTestDatabase>>;
  let client: DbClient;
  let other: DbClient;
  let registry: Registry;
  beforeAll(async () => {
    server = await createTestDatabase('sp_db_metrics');
    client = await createDb({ url: server.url, poolSize: 3 });
    // Another pool on the same database: its connections are not this client's.
    other = await createDb({ url: server.url, poolSize: 2 });
    registry = new Registry();
    registerDatabaseMetrics(registry, client);
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    await other?.close();
    await server?.drop();
  });

  it("reads this pool's connections from the server: in use while a query runs, idle after", async () => {
    await Promise.all([other.ping(), other.ping()]);
    expect(await client.poolStats()).toEqual({ max: 3, inUse: 0, idle: 1 });

    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const running = Promise.all([
      client.db.execute(sql`select pg_sleep(3)`),
      client.db.transaction(async (tx) => {
        await tx.execute(sql`select 1`);
        await held;
      }),
    ]);
    // The sleeping query (active) and the open transaction (idle in transaction); the asking
    // connection is idle. Polled: on a loaded machine both may take a moment to start.
    let during = await client.poolStats();
    for (let i = 0; i < 40 && during?.inUse !== 2; i++) {
      await sleep(50);
      during = await client.poolStats();
    }
    expect(during).toEqual({ max: 3, inUse: 2, idle: 1 });
    expect(await sample(registry, 'db_pool_connections', { state: 'in_use' })).toBe(2);
    expect(await sample(registry, 'db_pool_max_connections')).toBe(3);
    release();
    await running;
    expect(await client.poolStats()).toEqual({ max: 3, inUse: 0, idle: 3 });
    expect(await sample(registry, 'db_pool_connections', { state: 'idle' })).toBe(3);
  });

  it('reports the outbox backlog and the age of its oldest undispatched row', async () => {
    expect(await sample(registry, 'outbox_backlog')).toBe(0);
    expect(await sample(registry, 'outbox_oldest_undispatched_age_seconds')).toBe(0);
    const old = new Date(Date.now() - 5 * 60_000);
    const rows = await client.db
      .insert(outbox)
      .values([
        { kind: 'notification.fanout', payload: { message_id: 1 }, createdAt: old },
        { kind: 'notification.fanout', payload: { message_id: 2 } },
        { kind: 'notification.fanout', payload: { message_id: 3 }, dispatchedAt: new Date() },
      ])
      .returning({ id: outbox.id });
    expect(rows).toHaveLength(3);
    expect(await sample(registry, 'outbox_backlog')).toBe(2);
    const age = (await sample(registry, 'outbox_oldest_undispatched_age_seconds')) ?? 0;
    expect(age).toBeGreaterThanOrEqual(300);
    expect(age).toBeLessThan(330);
    await client.db.update(outbox).set({ dispatchedAt: new Date() });
    expect(await sample(registry, 'outbox_backlog')).toBe(0);
  });
});

describe('database metrics on PGlite', () => {
  it('PGlite: the outbox, and no pool series (it has no pool)', async () => {
    const pglite = await createDb({ dataDir: 'memory://' });
    try {
      await pglite.migrate();
      const registry = new Registry();
      registerDatabaseMetrics(registry, pglite);
      expect(await pglite.poolStats()).toBeUndefined();
      expect(await sample(registry, 'outbox_backlog')).toBe(0);
      expect(await sample(registry, 'db_pool_connections', { state: 'in_use' })).toBeUndefined();
      expect(await sample(registry, 'db_pool_max_connections')).toBeUndefined();
    } finally {
      await pglite.close();
    }
  }, 60_000);
});
