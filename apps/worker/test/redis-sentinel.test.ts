/**
 * The worker through Redis Sentinel (a master, its replica and one Sentinel
 * started here, all with passwords): the basic delivery, then a failover
 * (`SENTINEL FAILOVER`) after which the worker follows the new master and
 * delivers every message once, and a shutdown that leaves no connection
 * behind (ioredis's failover detector keeps its own ones to the Sentinels).
 */
import { queueNames } from '@statuspage/contracts';
import { startRedisSentinel, type TestRedisSentinel } from '@statuspage/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWorkerFixture } from './support/fixture';
import {
  accountLessOf,
  bulkSubscribers,
  createService,
  openIncident,
  registerUser,
  settled,
  unique,
  waitFor,
  workerPrefix,
} from './support/harness';

let sentinel: TestRedisSentinel;
const sentinelEnv: Record<string, string> = {};
beforeAll(async () => {
  sentinel = await startRedisSentinel({
    name: 'statuspage-test',
    password: 'sentinel-test-master-password',
    sentinelPassword: 'sentinel-test-own-password',
  });
  Object.assign(sentinelEnv, {
    REDIS_URL: '',
    REDIS_SENTINELS: `${sentinel.sentinel.host}:${sentinel.sentinel.port}`,
    REDIS_SENTINEL_NAME: sentinel.name,
    REDIS_PASSWORD: sentinel.password ?? '',
    REDIS_SENTINEL_PASSWORD: sentinel.sentinelPassword ?? '',
    // A job added to the old master in the instant before the switch is lost with it: the repair adds it again.
    WORKER_REPAIR_INTERVAL: '500ms',
    WORKER_REPAIR_STALE_AFTER: '1s',
  });
});
// Registered first, so it runs last: after the fixture's worker has stopped.
afterAll(async () => {
  await sentinel?.stop();
});

const f = useWorkerFixture({ name: 'sentinel', ownDatabase: true, env: () => sentinelEnv });
let operatorId: string;
beforeAll(async () => {
  operatorId = (await registerUser(f.t, unique('operator'))).id;
});

/** An incident to `count` new subscribers; resolves when each was sent exactly one message. */
async function deliverIncident(count: number) {
  const service = await createService(f.t, operatorId);
  const addresses = await bulkSubscribers(f.t, service.id, count, unique('sentinel'));
  expect(await accountLessOf(f.t, addresses)).toHaveLength(count / 2);
  const incident = await openIncident(f.t, operatorId, [service.id]);
  const rows = await settled(f.t, { eventId: incident.id }, count);
  expect(rows.every((row) => row.state === 'sent')).toBe(true);
  // A duplicate would show up within moments.
  await new Promise((resolve) => setTimeout(resolve, 300));
  for (const address of addresses) expect(f.smtp.to(address), address).toHaveLength(1);
}

describe('worker through Redis Sentinel', () => {
  it('delivers an incident to every subscriber once, its queues on the master the Sentinel names', async () => {
    await deliverIncident(20);
    const master = await sentinel.master();
    const meta = `${await workerPrefix(f.prefix, f.databaseUrl)}:${queueNames.outbox}:meta`;
    expect(await sentinel.command(master, 'EXISTS', meta)).toBe(1);
  });

  it('follows a failover to the promoted replica and goes on delivering each message once', async () => {
    const before = await sentinel.master();
    const after = await sentinel.failover();
    expect(after.port).not.toBe(before.port);
    // The old master is made a replica of the new one: nothing the worker writes may stay there alone.
    await waitFor('the old master to follow the new one', async () => {
      // The Sentinel kills the old master's client connections when it turns it into a replica: ours too.
      const role = (await sentinel.command(before, 'ROLE').catch(() => [])) as unknown[];
      return role[0] === 'slave' && Number(role[2]) === after.port;
    });

    await deliverIncident(20);
    const prefix = await workerPrefix(f.prefix, f.databaseUrl);
    const jobs = (await sentinel.command(after, 'KEYS', `${prefix}:deliver-email:*`)) as string[];
    expect(jobs.length).toBeGreaterThan(0);
  });

  it('closes every connection it opened when it stops, those to the Sentinel included', async () => {
    const clients = async () =>
      String(await sentinel.command(sentinel.sentinel, 'CLIENT', 'LIST'))
        .trim()
        .split('\n')
        .filter((line) => !line.includes('cmd=client|list'));
    expect((await clients()).length).toBeGreaterThan(0);
    await f.worker.close();
    const left = await waitFor(
      'no connection to the Sentinel',
      async () => {
        const open = await clients();
        return open.length === 0 ? open : undefined;
      },
      10_000,
    ).catch(async () => clients());
    expect(left).toEqual([]);
  });
});
