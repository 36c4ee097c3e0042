import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbClient, isServerUnavailable, walPositionValue } from '../src/client';
import { installation } from '../src/schema';
import { createTestDatabase } from '../src/testing';

/** The named statements the pool's only connection holds (pg_prepared_statements is per session). */
async function namedStatements(client: DbClient) {
  const rows = await client.db.execute<{ count: number }>(
    sql`select count(*)::int as count from pg_prepared_statements where name <> ''`,
  );
  return Number((rows as unknown as { count: number }[])[0]?.count);
}

describe('db client on PostgreSQL', () => {
  let server: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    server = await createTestDatabase('sp_db_client');
  }, 120_000);
  afterAll(async () => {
    await server?.drop();
  });

  it('prepares named statements by default, and none with preparedStatements false (PgBouncer before 1.21)', async () => {
    const prepared = await createDb({ url: server.url, poolSize: 1 });
    const unprepared = await createDb({ url: server.url, poolSize: 1, preparedStatements: false });
    try {
      for (const client of [prepared, unprepared]) {
        // A drizzle prepared query (the public reads of services are): a named statement unless switched off.
        await client.db.select({ id: installation.id }).from(installation).prepare('installation_probe').execute();
      }
      expect(await namedStatements(prepared)).toBeGreaterThan(0);
      expect(await namedStatements(unprepared)).toBe(0);
    } finally {
      await prepared.close();
      await unprepared.close();
    }
  });

  it('tells the WAL position after a write, and a primary has replayed nothing (it is not in recovery)', async () => {
    const client = await createDb({ url: server.url, poolSize: 1 });
    try {
      const before = await client.currentWalPosition();
      expect(before).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      await client.db.execute(sql`create table wal_probe (id int)`);
      await client.db.execute(sql`insert into wal_probe values (1)`);
      const after = await client.currentWalPosition();
      expect(walPositionValue(after)).toBeGreaterThan(walPositionValue(before));
      expect(await client.replayedWalPosition()).toBeNull();
    } finally {
      await client.close();
    }
  });
});

describe('db client on PGlite', () => {
  it('tells a WAL position and, never a replica, no replay position', async () => {
    const client = await createDb({ dataDir: 'memory://' });
    try {
      expect(await client.currentWalPosition()).toMatch(/^[0-9A-F]+\/[0-9A-F]+$/);
      expect(await client.replayedWalPosition()).toBeNull();
    } finally {
      await client.close();
    }
    // Starting PGlite takes seconds on a busy machine.
  }, 60_000);
});

describe('walPositionValue', () => {
  it('orders positions by their high then low half, and refuses anything else', () => {
    expect(walPositionValue('0/16B3748')).toBe(0x16b3748n);
    expect(walPositionValue('1/0')).toBe(1n << 32n);
    expect(walPositionValue('1/0')).toBeGreaterThan(walPositionValue('0/FFFFFFFF'));
    expect(walPositionValue('a/b')).toBe(walPositionValue('A/B'));
    for (const bad of ['', '16B3748', '0/', 'x/1', '0/1/2', '123456789/0']) {
      expect(() => walPositionValue(bad), bad).toThrow(/not a WAL position/);
    }
  });
});

describe('isServerUnavailable', () => {
  it('is true for a connection refused, lost or shutting down and a recovery conflict, also wrapped by drizzle', () => {
    for (const error of [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('write CONNECTION_CLOSED'), { code: 'CONNECTION_CLOSED' }),
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('the database system is starting up'), { code: '57P03' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('canceling statement due to conflict with recovery'), { code: '40001' }),
      new Error('Failed query: select 1', { cause: Object.assign(new Error('x'), { code: 'CONNECT_TIMEOUT' }) }),
    ]) {
      expect(isServerUnavailable(error), error.message).toBe(true);
    }
  });

  it('is false for what the query itself did wrong, and for a serialization failure on the primary', () => {
    for (const error of [
      Object.assign(new Error('permission denied for table services'), { code: '42501' }),
      Object.assign(new Error('duplicate key value'), { code: '23505' }),
      Object.assign(new Error('could not serialize access'), { code: '40001' }),
      new Error('not found'),
      undefined,
    ]) {
      expect(isServerUnavailable(error), String(error)).toBe(false);
    }
  });
});
