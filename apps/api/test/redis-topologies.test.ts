/**
 * Two api replicas on a Redis Cluster of three masters, and two through
 * Redis Sentinel, each topology started here (never the shared Redis): the
 * rate limits are counted in the cluster and shared by the replicas, and the
 * public cache bus clears the other replica's cache on every write — also
 * after its subscriber lost its connection (cluster) or its master
 * (Sentinel failover), when the cache is paused and resumed empty.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { installationQueuePrefix, queueNames } from '@statuspage/contracts';
import { createRedisClient, queueKeyPrefix } from '@statuspage/platform';
import {
  startRedisCluster,
  startRedisSentinel,
  type TestRedisCluster,
  type TestRedisSentinel,
} from '@statuspage/platform/testing';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { getService } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken, createService } from './support/factories';
import { expectError, openDatabase, registerAccount } from './support/identity';

async function eventually(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await delay(25);
  }
  return true;
}

/** Two replicas on one topology, one invalidation channel and shared rate-limit keys. */
async function startReplicas(env: Record<string, string>) {
  const channel = `statuspage:test:${randomBytes(6).toString('hex')}:public-cache`;
  const rateLimitPrefix = `rl-topology-${randomBytes(6).toString('hex')}`;
  const servers = await Promise.all(
    [0, 1].map(() =>
      startTestApi(
        { REDIS_URL: '', RATE_LIMIT_AUTH_PER_IP: '3', RATE_LIMIT_AUTH_PER_ACCOUNT: '2', ...env },
        { publicCacheChannel: channel, rateLimitPrefix },
      ),
    ),
  );
  const [one, other] = servers as [ApiServer, ApiServer];
  return { one, other, rateLimitPrefix, http: createHttp(one.url), otherHttp: createHttp(other.url) };
}
type Replicas = Awaited<ReturnType<typeof startReplicas>>;

/** What the bus did to a replica's cache: its pauses and resumes, in order. */
function recordPauses(server: ApiServer) {
  const events: string[] = [];
  const cache = server.publicCache;
  const pause = cache.pause.bind(cache);
  const resume = cache.resume.bind(cache);
  cache.pause = (reason) => {
    events.push(`pause: ${reason}`);
    pause(reason);
  };
  cache.resume = (reason) => {
    events.push(`resume: ${reason}`);
    resume(reason);
  };
  return events;
}

/** A write through `replicas.one` shows at once on `replicas.other`, which had the old answer cached. */
async function expectWriteSeenByTheOther(replicas: Replicas, admin: string) {
  const { one, other, http, otherHttp } = replicas;
  const created = await createService(http, admin, { description: 'before' });
  const cachedThere = await eventually(async () => {
    const hits = other.publicCache.stats().hits;
    expect((await getService(otherHttp, created.slug)).description).toBe('before');
    return other.publicCache.stats().hits > hits;
  });
  expect(cachedThere).toBe(true);
  const clearedBefore = other.publicCache.stats().invalidations;
  const patched = await http.patch(`/api/v1/services/${created.slug}`, {
    token: admin,
    body: { name: `Service ${created.slug}`, slug: created.slug, status: 'operational', description: 'after' },
  });
  expect(patched.status, patched.text).toBe(200);
  // Well within the 30 s entry lifetime: only the Redis message can explain it.
  expect(await eventually(async () => (await getService(otherHttp, created.slug)).description === 'after')).toBe(true);
  expect(other.publicCache.stats().invalidations).toBeGreaterThan(clearedBefore);
  expect(one.publicCache.stats().paused).toBe(false);
}

const login = (http: Http, ip: string, email: string, password: string) =>
  http.post('/api/v1/auth/login', { body: { email, password }, headers: { 'x-forwarded-for': ip } });

describe('api on a Redis Cluster', () => {
  let cluster: TestRedisCluster;
  let replicas: Replicas;
  let admin: string;

  beforeAll(async () => {
    cluster = await startRedisCluster({ masters: 3, password: 'cluster-test-password' });
    replicas = await startReplicas({ REDIS_CLUSTER_NODES: cluster.setting, REDIS_PASSWORD: cluster.password ?? '' });
    admin = await adminToken(replicas.http);
  });
  afterAll(async () => {
    await Promise.all([replicas?.one.close(), replicas?.other.close()]);
    await cluster?.stop();
  });

  it('counts failed logins in the cluster: failures through one replica refuse the next attempt through the other', async () => {
    const ip = '203.0.113.61';
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const failed = await login(replicas.http, ip, `${unique('nobody')}@example.test`, 'wrong-pass-1');
      expect(failed.status, failed.text).toBe(401);
    }
    const refused = await login(replicas.otherHttp, ip, `${unique('nobody')}@example.test`, 'wrong-pass-1');
    expectError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const elsewhere = await login(replicas.otherHttp, '203.0.113.62', `${unique('nobody')}@example.test`, 'x-pass-1');
    expect(elsewhere.status, elsewhere.text).toBe(401);

    // The counters are keys of the cluster (spread over its slots), not of either replica's memory.
    const keys: string[] = [];
    for (const node of cluster.nodes) {
      const [, found] = (await cluster.command(
        node,
        'SCAN',
        0,
        'MATCH',
        `${replicas.rateLimitPrefix}:*${ip}*`,
        'COUNT',
        10_000,
      )) as [string, string[]];
      keys.push(...found);
    }
    expect(keys).toEqual(expect.arrayContaining([`${replicas.rateLimitPrefix}:failed-ip:login:${ip}`]));
  });

  it('forgets an ip’s failures at an account when it signs in, whichever replica it reaches', async () => {
    const ip = '203.0.113.63';
    const account = await registerAccount(replicas.http);
    expect((await login(replicas.http, ip, account.email, 'wrong-pass-1')).status).toBe(401);
    // The right password through the other replica deletes the count both of them read.
    expect((await login(replicas.otherHttp, ip, account.email, account.password)).status).toBe(200);
    expect((await login(replicas.http, ip, account.email, 'wrong-pass-2')).status).toBe(401);
    // Had the count not been deleted, this ip would be at RATE_LIMIT_AUTH_PER_ACCOUNT (2) failures and refused.
    const stillAllowed = await login(replicas.otherHttp, ip, account.email, account.password);
    expect(stillAllowed.status, stillAllowed.text).toBe(200);
  });

  it('clears the cache of the other replica on a write through one', async () => {
    await expectWriteSeenByTheOther(replicas, admin);
  });

  it('shows the worker’s queues in the dashboard, under their hash-tagged prefix', async () => {
    const sql = openDatabase();
    const [installation] = await sql<{ id: string }[]>`select id::text as id from installation`;
    await sql.end({ timeout: 5 });
    // The worker's prefix: WORKER_QUEUE_PREFIX (default) and the installation, in braces on a cluster.
    const prefix = queueKeyPrefix({ kind: 'cluster' }, installationQueuePrefix('statuspage', installation?.id ?? ''));
    const connection = createRedisClient(
      { kind: 'cluster', nodes: cluster.nodes, password: cluster.password },
      { maxRetriesPerRequest: null },
    );
    const outbox = new Queue(queueNames.outbox, { connection, prefix });
    try {
      await outbox.add('waiting', {}, { jobId: unique('dashboard'), delay: 3_600_000 });
      const listed = await replicas.otherHttp.get('/admin/queues/api/queues', { token: admin });
      expect(listed.status, listed.text).toBe(200);
      const queues = listed.body.queues as { name: string; counts: Record<string, number> }[];
      expect(queues).toHaveLength(9);
      expect(queues.find((queue) => queue.name === queueNames.outbox)?.counts.delayed).toBe(1);
    } finally {
      await outbox.obliterate({ force: true });
      await outbox.close();
      await connection.quit();
    }
  });

  it('pauses the other replica’s cache when its subscriber loses its node, and resumes it listening on the cluster again', async () => {
    const events = [recordPauses(replicas.one), recordPauses(replicas.other)];
    // Every subscribed connection of the cluster dropped: each subscriber moves to the next node it knows.
    let killed = 0;
    for (const node of cluster.nodes) killed += Number(await cluster.command(node, 'CLIENT', 'KILL', 'TYPE', 'pubsub'));
    expect(killed).toBeGreaterThanOrEqual(2);
    for (const replica of events) {
      expect(
        await eventually(async () => replica.some((event) => event.startsWith('resume: subscribed'))),
        replica.join('\n'),
      ).toBe(true);
      expect(replica[0]).toBe('pause: invalidation channel disconnected');
    }
    expect(replicas.other.publicCache.stats().paused).toBe(false);
    await expectWriteSeenByTheOther(replicas, admin);
  });
});

describe('api through Redis Sentinel', () => {
  let sentinel: TestRedisSentinel;
  let replicas: Replicas;
  let admin: string;

  beforeAll(async () => {
    sentinel = await startRedisSentinel({
      name: 'statuspage-api-test',
      password: 'sentinel-test-master-password',
      sentinelPassword: 'sentinel-test-own-password',
    });
    replicas = await startReplicas({
      REDIS_SENTINELS: `${sentinel.sentinel.host}:${sentinel.sentinel.port}`,
      REDIS_SENTINEL_NAME: sentinel.name,
      REDIS_PASSWORD: sentinel.password ?? '',
      REDIS_SENTINEL_PASSWORD: sentinel.sentinelPassword ?? '',
    });
    admin = await adminToken(replicas.http);
  });
  afterAll(async () => {
    await Promise.all([replicas?.one.close(), replicas?.other.close()]);
    await sentinel?.stop();
  });

  it('clears the cache of the other replica on a write through one, and counts the limits on the master', async () => {
    await expectWriteSeenByTheOther(replicas, admin);
    const ip = '203.0.113.71';
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      expect((await login(replicas.http, ip, `${unique('nobody')}@example.test`, 'wrong-pass-1')).status).toBe(401);
    }
    expectError(await login(replicas.otherHttp, ip, `${unique('nobody')}@example.test`, 'wrong-pass-1'), 429);
    const master = await sentinel.master();
    expect(await sentinel.command(master, 'EXISTS', `${replicas.rateLimitPrefix}:failed-ip:login:${ip}`)).toBe(1);
  });

  it('follows a failover: the cache pauses, resumes on the new master, and writes clear the other replica again', async () => {
    const events = [recordPauses(replicas.one), recordPauses(replicas.other)];
    const before = await sentinel.master();
    const after = await sentinel.failover();
    expect(after.port).not.toBe(before.port);
    for (const replica of events) {
      expect(
        await eventually(async () => replica.some((event) => event.startsWith('resume: subscribed')), 15_000),
        replica.join('\n'),
      ).toBe(true);
      expect(replica[0]).toBe('pause: invalidation channel disconnected');
    }
    await expectWriteSeenByTheOther(replicas, admin);
    // And the rate limits count on the new master.
    const ip = '203.0.113.72';
    expect((await login(replicas.http, ip, `${unique('nobody')}@example.test`, 'wrong-pass-1')).status).toBe(401);
    expect(
      await eventually(
        async () =>
          (await sentinel.command(after, 'EXISTS', `${replicas.rateLimitPrefix}:failed-ip:login:${ip}`)) === 1,
      ),
    ).toBe(true);
  });
});
