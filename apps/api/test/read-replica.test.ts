// A read replica for the public reads (DATABASE_READ_URL): which requests it answers, and the
// lag rule (a refill reads it only once it has replayed the latest write the cache was cleared
// for). Two set-ups, both real servers:
// - routing: the replica is a second connection string to the same database, as a role that can
//   only SELECT; what it ran shows in pg_stat_activity under that role, and a write through it
//   would be refused;
// - lag: a PostgreSQL primary and a streaming hot standby of this test's own, whose replay is
//   paused (pg_wal_replay_pause) to make it lag for real.
import { randomBytes } from 'node:crypto';
import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { Redis } from 'ioredis';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { redisUrl, startTestApi, unique } from './support/api';
import { dataOf, type WireService } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken, createService } from './support/factories';
import { type PostgresServer, startPrimary, startStandby, waitForReplay } from './support/postgres-servers';

/** The slugs of the services an answer lists. */
const slugsOf = (services: WireService[]) => services.map((service) => service.slug);

/** Waits until `check` holds (the invalidation bus and the position lookup are asynchronous). */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** An api refills from the replica only once it knows the primary's position: one refill, then wait for it. */
async function learnPosition(api: ApiServer, http: Http) {
  expect((await http.get(`/api/v1/events?cache_buster=${unique()}`)).status).toBe(200);
  await until('the primary position known', () => !api.publicCache.requirement().unknown);
}

/** Refills of the public cache so far, by the database that answered. */
const refills = (api: ApiServer) => {
  const { replicaRefills, primaryRefills } = api.publicCache.stats();
  return { replica: replicaRefills, primary: primaryRefills };
};

describe('read replica routing (a second connection string, as a role that can only read)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let sql: postgres.Sql;
  let api: ApiServer;
  let http: Http;
  let admin: string;
  const role = `sp_read_${randomBytes(4).toString('hex')}`;
  let readUrl: string;

  /** The read pool's one connection as the server sees it: its last statement and when it started. */
  async function readConnection() {
    const rows = await sql<{ query: string; started: Date | null }[]>`
      select query, query_start as started from pg_stat_activity where usename = ${role}`;
    expect(rows.length).toBeLessThanOrEqual(1);
    return rows[0] ?? { query: '', started: null };
  }
  const serverNow = async () => (await sql<{ now: Date }[]>`select clock_timestamp() as now`)[0]?.now as Date;

  beforeAll(async () => {
    database = await createTestDatabase('sp_replica_routing');
    const seeder = await createDb({ url: database.url, poolSize: 2 });
    await seedDevelopmentData(seeder.db);
    await seeder.close();
    sql = postgres(database.url, { max: 2, onnotice: () => {} });
    await sql.unsafe(`create role ${role} login`);
    await sql.unsafe(`grant connect on database "${database.name}" to ${role}`);
    await sql.unsafe(`grant usage on schema public to ${role}`);
    await sql.unsafe(`grant select on all tables in schema public to ${role}`);
    const url = new URL(database.url);
    url.username = role;
    readUrl = url.toString();
    api = await startTestApi(
      { DATABASE_URL: database.url, DATABASE_READ_URL: readUrl, DATABASE_READ_POOL_SIZE: '1' },
      { publicCacheChannel: `replica-routing-${unique('channel')}` },
    );
    http = createHttp(api.url);
    admin = await adminToken(http);
    await learnPosition(api, http);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await sql?.end({ timeout: 5 });
    await database?.drop();
    // The database held the role's grants; the role is the cluster's.
    const server = postgres(new URL('/postgres', database?.url ?? 'postgres://postgres@127.0.0.1:5432').toString(), {
      max: 1,
      onnotice: () => {},
    });
    await server.unsafe(`drop role if exists ${role}`);
    await server.end({ timeout: 5 });
  });

  it('a write goes to the primary; the read connection string could not have made it', async () => {
    const service = await createService(http, admin);
    const [row] = await sql<{ slug: string }[]>`select slug from services where id = ${service.id}`;
    expect(row?.slug).toBe(service.slug);
    const reader = postgres(readUrl, { max: 1, onnotice: () => {} });
    try {
      await expect(reader`insert into services (name, slug) values ('x', ${unique('x')})`).rejects.toMatchObject({
        code: '42501',
      });
    } finally {
      await reader.end({ timeout: 5 });
    }
  });

  it('an anonymous public REST read after a write refills the cache from the replica, with the write in it', async () => {
    const service = await createService(http, admin);
    const before = refills(api);
    const since = await serverNow();
    const services = dataOf<WireService[]>(await http.get('/api/v1/services'));
    expect(slugsOf(services)).toContain(service.slug);
    expect(refills(api)).toEqual({ replica: before.replica + 1, primary: before.primary });
    const connection = await readConnection();
    expect(connection.started?.getTime()).toBeGreaterThanOrEqual(since.getTime());
    expect(connection.query).toContain('"services"');
    // The next one is a hit: no database at all.
    const hits = api.publicCache.stats().hits;
    expect(slugsOf(dataOf<WireService[]>(await http.get('/api/v1/services')))).toContain(service.slug);
    expect(api.publicCache.stats().hits).toBe(hits + 1);
    expect((await readConnection()).started).toEqual(connection.started);
  });

  it('the pages, a feed and the Statuspage JSON refill from the replica (the installation id is read on the primary)', async () => {
    const service = await createService(http, admin);
    for (const path of ['/', `/services/${service.slug}`, '/history', '/history.atom', '/api/v2/summary.json']) {
      const before = refills(api);
      const since = await serverNow();
      const response = await http.get(path);
      expect(response.status, `${path}: ${response.text.slice(0, 200)}`).toBe(200);
      expect(refills(api), path).toEqual({ replica: before.replica + 1, primary: before.primary });
      expect((await readConnection()).started?.getTime(), path).toBeGreaterThanOrEqual(since.getTime());
    }
    // The summary names the page by the installation's id: read (and created if missing) on the primary.
    const summary = await http.get('/api/v2/summary.json');
    const [installation] = await sql<{ id: string }[]>`select id::text as id from installation`;
    expect(summary.body.page.id).toBe(installation?.id);
  });

  it('signed-in reads, public reads the cache does not keep and tRPC reads use the primary', async () => {
    const service = await createService(http, admin, { tags: { team: 'replica' } });
    const before = refills(api);
    const { started } = await readConnection();
    expect(slugsOf(dataOf<WireService[]>(await http.get('/api/v1/services', { token: admin })))).toContain(
      service.slug,
    );
    expect(dataOf(await http.get(`/api/v1/services/${service.slug}/tags`))).toEqual({ tags: { team: 'replica' } });
    const trpc = await http.get('/trpc/services.list?input=%7B%7D');
    expect(trpc.status, trpc.text).toBe(200);
    expect(JSON.stringify(trpc.body)).toContain(service.slug);
    expect(refills(api)).toEqual(before);
    expect((await readConnection()).started).toEqual(started);
  });

  it('the uptime of a time zone the page shows for the first time is built on the primary, then read from the replica', async () => {
    const zone = 'Asia/Kathmandu';
    const saved = await http.put('/api/v1/settings/page', {
      token: admin,
      body: { name: 'Replica page', time_zone: zone },
    });
    expect(saved.status, saved.text).toBe(200);
    const page = await http.get('/');
    expect(page.status, page.text.slice(0, 300)).toBe(200);
    // As the settings keep it (Intl's canonical name).
    const kept = await sql<{ time_zone: string }[]>`
      select time_zone from service_status_day_zones where time_zone = ${saved.body.data.time_zone}`;
    expect(kept).toHaveLength(1);
    await createService(http, admin);
    const before = refills(api);
    expect((await http.get('/')).status).toBe(200);
    expect(refills(api)).toEqual({ replica: before.replica + 1, primary: before.primary });
  });
});

describe('read replica lag (a streaming standby of this test, its replay paused)', () => {
  let primary: PostgresServer;
  let standby: PostgresServer;
  let onPrimary: postgres.Sql;
  let onStandby: postgres.Sql;
  let redis: Redis;
  const channel = `replica-lag-${unique('channel')}`;
  /** Two api replicas on one invalidation channel, both reading the standby. */
  let first: ApiServer;
  let second: ApiServer;
  let http: Http;
  let httpSecond: Http;
  let admin: string;

  const pauseReplay = async () => {
    await onStandby`select pg_wal_replay_pause()`;
    await until('replay paused', async () => {
      const [row] = await onStandby<{ state: string }[]>`select pg_get_wal_replay_pause_state() as state`;
      return row?.state === 'paused';
    });
  };
  const resumeReplay = async () => {
    await onStandby`select pg_wal_replay_resume()`;
    await waitForReplay(onPrimary, onStandby);
  };
  const onStandbyCount = async (slug: string) =>
    Number((await onStandby<{ n: number }[]>`select count(*)::int as n from services where slug = ${slug}`)[0]?.n);

  beforeAll(async () => {
    primary = await startPrimary();
    const server = postgres(primary.url(), { max: 1, onnotice: () => {} });
    await server.unsafe('create database statuspage');
    await server.end({ timeout: 5 });
    const setup = await createDb({ url: primary.url('statuspage'), poolSize: 2 });
    await setup.migrate();
    await seedDevelopmentData(setup.db);
    await setup.close();
    standby = await startStandby(primary);
    onPrimary = primary.connect('statuspage');
    onStandby = standby.connect('statuspage');
    await waitForReplay(onPrimary, onStandby);
    redis = new Redis(redisUrl);
    const env = {
      DATABASE_URL: primary.url('statuspage'),
      DATABASE_READ_URL: standby.url('statuspage'),
      DATABASE_READ_POOL_SIZE: '2',
    };
    first = await startTestApi(env, { publicCacheChannel: channel });
    second = await startTestApi(env, { publicCacheChannel: channel });
    http = createHttp(first.url);
    httpSecond = createHttp(second.url);
    // Signing in clears no cache: the new replicas still do not know the primary position.
    admin = await adminToken(http);
  }, 180_000);
  afterAll(async () => {
    await first?.close();
    await second?.close();
    redis?.disconnect();
    await onPrimary?.end({ timeout: 5 });
    await onStandby?.end({ timeout: 5 });
    await standby?.stop();
    await primary?.stop();
  });

  it('a new api refills from the primary until it knows the primary position, then from the caught-up standby', async () => {
    expect(first.publicCache.requirement().unknown).toBe(true);
    expect(dataOf<unknown[]>(await http.get('/api/v1/groups')).length).toBeGreaterThan(0);
    expect(refills(first)).toEqual({ replica: 0, primary: 1 });
    await until('the primary position known', () => !first.publicCache.requirement().unknown);
    await waitForReplay(onPrimary, onStandby);
    expect(dataOf<unknown[]>(await http.get('/api/v1/services')).length).toBeGreaterThan(0);
    expect(refills(first)).toEqual({ replica: 1, primary: 1 });
  });

  it('after a write the paused standby has not replayed, refills read the primary and the cache keeps the fresh answer, on every api replica', async () => {
    await learnPosition(second, httpSecond);
    await pauseReplay();
    try {
      const secondCleared = second.publicCache.stats().invalidations;
      const service = await createService(http, admin);
      expect(await onStandbyCount(service.slug)).toBe(0);
      // The writer's own replica: its clear carries the write's position, beyond the standby's.
      const before = refills(first);
      expect(slugsOf(dataOf<WireService[]>(await http.get('/api/v1/services')))).toContain(service.slug);
      expect(refills(first)).toEqual({ replica: before.replica, primary: before.primary + 1 });
      const hits = first.publicCache.stats().hits;
      expect(slugsOf(dataOf<WireService[]>(await http.get('/api/v1/services')))).toContain(service.slug);
      expect(first.publicCache.stats().hits).toBe(hits + 1);
      // The other replica heard of it with the position: not unknown, and still beyond the standby.
      await until('the other replica cleared', () => second.publicCache.stats().invalidations > secondCleared);
      expect(second.publicCache.requirement()).toEqual(first.publicCache.requirement());
      const beforeSecond = refills(second);
      expect(slugsOf(dataOf<WireService[]>(await httpSecond.get('/api/v1/services')))).toContain(service.slug);
      expect(refills(second)).toEqual({ replica: beforeSecond.replica, primary: beforeSecond.primary + 1 });
      // The pages too.
      const page = await httpSecond.get(`/services/${service.slug}`);
      expect(page.status).toBe(200);
      expect(page.text).toContain(`Service ${service.slug}`);
    } finally {
      await resumeReplay();
    }
    // Replayed: the next write's refill reads the standby again.
    const renamed = await createService(http, admin);
    await waitForReplay(onPrimary, onStandby);
    const before = refills(first);
    expect(slugsOf(dataOf<WireService[]>(await http.get('/api/v1/services')))).toContain(renamed.slug);
    expect(refills(first)).toEqual({ replica: before.replica + 1, primary: before.primary });
  });

  it("an invalidation without a position (the worker's) sends refills to the primary until a position asked after it is known", async () => {
    const service = await createService(http, admin);
    await waitForReplay(onPrimary, onStandby);
    await learnPosition(first, http);
    await pauseReplay();
    try {
      // What a maintenance transition of the worker does: a write, then a message with no position.
      const name = `Renamed ${unique()}`;
      await onPrimary`update services set name = ${name} where id = ${service.id}`;
      const cleared = first.publicCache.stats().invalidations;
      await redis.publish(channel, JSON.stringify({ origin: 'worker', reason: 'maintenance.start', event_id: 'x' }));
      await until('the message heard', () => first.publicCache.stats().invalidations > cleared);
      const before = refills(first);
      const answer = dataOf<WireService>(await http.get(`/api/v1/services/${service.slug}`));
      expect(answer.name).toBe(name);
      expect(refills(first)).toEqual({ replica: before.replica, primary: before.primary + 1 });
      // Known again, from a position asked after the message: beyond the paused standby still.
      await until('the primary position known', () => !first.publicCache.requirement().unknown);
      const [standbyRow] = await onStandby<{ name: string }[]>`select name from services where id = ${service.id}`;
      expect(standbyRow?.name).not.toBe(name);
      const list = dataOf<WireService[]>(await http.get('/api/v1/services'));
      expect(list.find((entry) => entry.id === service.id)?.name).toBe(name);
      expect(refills(first)).toEqual({ replica: before.replica, primary: before.primary + 2 });
    } finally {
      await resumeReplay();
    }
    const before = refills(first);
    expect(dataOf<unknown[]>(await http.get('/api/v1/groups')).length).toBeGreaterThan(0);
    expect(refills(first)).toEqual({ replica: before.replica + 1, primary: before.primary });
  });

  it('on a real standby (read-only), a time zone the page shows for the first time is built on the primary', async () => {
    const zone = 'Pacific/Chatham';
    const saved = await http.put('/api/v1/settings/page', {
      token: admin,
      body: { name: 'Lagging page', time_zone: zone },
    });
    expect(saved.status, saved.text).toBe(200);
    await waitForReplay(onPrimary, onStandby);
    const before = refills(first);
    const page = await http.get('/');
    expect(page.status, page.text.slice(0, 300)).toBe(200);
    expect(page.text).toContain('Lagging page');
    expect(refills(first)).toEqual({ replica: before.replica + 1, primary: before.primary });
    const kept = await onPrimary<{ n: number }[]>`
      select count(*)::int as n from service_status_day_zones where time_zone = ${saved.body.data.time_zone}`;
    expect(kept[0]?.n).toBe(1);
  });
  it('a standby that goes away costs no answer: its reads are read again on the primary, later refills read the primary', async () => {
    await waitForReplay(onPrimary, onStandby);
    await learnPosition(first, http);
    await waitForReplay(onPrimary, onStandby);
    // Seen caught up: the next refills trust it without asking again (until a write).
    const seen = refills(first);
    expect((await http.get(`/api/v1/groups?seen=${unique()}`)).status).toBe(200);
    expect(refills(first)).toEqual({ replica: seen.replica + 1, primary: seen.primary });
    await onStandby.end({ timeout: 1 }).catch(() => {});
    await standby.stop();
    const before = { ...refills(first), fallbacks: first.publicCache.stats().replicaFallbacks };
    const services = dataOf<WireService[]>(await http.get(`/api/v1/services?gone=${unique()}`));
    expect(services.length).toBeGreaterThan(0);
    expect({ ...refills(first), fallbacks: first.publicCache.stats().replicaFallbacks }).toEqual({
      replica: before.replica + 1,
      primary: before.primary,
      fallbacks: before.fallbacks + 1,
    });
    // Checked anew, and away: the primary answers the refill.
    expect((await http.get(`/api/v1/events?after=${unique()}`)).status).toBe(200);
    expect(refills(first)).toEqual({ replica: before.replica + 1, primary: before.primary + 1 });
  });
});
