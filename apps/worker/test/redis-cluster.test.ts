/**
 * The worker on a Redis Cluster of three masters started here (never the
 * shared Redis): the fault suite's basic deliveries — a fan-out to users and
 * account-less subscribers, a password reset, SMTP refusing twice, a Telegram
 * 429 — end to end, and every key of the installation in one slot, so that
 * no BullMQ script, MULTI or pipeline of ours can meet CROSSSLOT.
 */
import { queueKeyPrefix } from '@statuspage/platform';
import { startRedisCluster, type TestRedisCluster } from '@statuspage/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { telegramFailures } from '../../api/test/support/fakes';
import { useWorkerFixture } from './support/fixture';
import {
  accountLessOf,
  addVerifiedChannel,
  bulkSubscribers,
  createService,
  openIncident,
  registerUser,
  settled,
  subscribe,
  unique,
  waitFor,
  workerPrefix,
} from './support/harness';

let cluster: TestRedisCluster;
const clusterEnv: Record<string, string> = {};
beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3, password: 'cluster-test-password' });
  Object.assign(clusterEnv, {
    REDIS_URL: '',
    REDIS_CLUSTER_NODES: cluster.setting,
    REDIS_PASSWORD: cluster.password ?? '',
  });
});
// Registered first, so it runs last: after the fixture's worker has stopped.
afterAll(async () => {
  await cluster?.stop();
});

const f = useWorkerFixture({ name: 'cluster', ownDatabase: true, telegram: true, env: () => clusterEnv });
let operatorId: string;
beforeAll(async () => {
  operatorId = (await registerUser(f.t, unique('operator'))).id;
});

/** Every key on each master whose name starts with `prefix`. */
async function keysByNode(prefix: string) {
  const found = new Map<number, string[]>();
  for (const node of cluster.nodes) {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = (await cluster.command(node, 'SCAN', cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)) as [
        string,
        string[],
      ];
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length > 0) found.set(node.port, keys);
  }
  return found;
}

describe('worker on a Redis Cluster', () => {
  it('delivers an incident to every subscriber once, users and account-less alike, and a password reset', async () => {
    const service = await createService(f.t, operatorId);
    const addresses = await bulkSubscribers(f.t, service.id, 30, unique('cluster'));
    expect(await accountLessOf(f.t, addresses)).toHaveLength(15);
    const resetUser = await registerUser(f.t, unique('reset'));
    const incident = await openIncident(f.t, operatorId, [service.id]);
    await f.t.core.auth.forgotPassword(resetUser.email);

    const rows = await settled(f.t, { eventId: incident.id }, 30);
    expect(rows.every((row) => row.state === 'sent' && row.attempts === 1)).toBe(true);
    for (const address of addresses) expect(f.smtp.to(address), address).toHaveLength(1);
    const [reset] = await settled(f.t, { targets: [resetUser.email] }, 1);
    expect(reset).toMatchObject({ kind: 'password_reset', state: 'sent', attempts: 1, channel_id: null });
    expect(f.smtp.to(resetUser.email)).toHaveLength(1);
  });

  it('delivers on the third attempt, once, when the SMTP server refuses the first two (delayed retries)', async () => {
    const service = await createService(f.t, operatorId);
    const user = await registerUser(f.t);
    await subscribe(f.t, user.id, user.defaultChannel.id, [service.id]);
    f.smtp.refuse(user.email, 2, 451);
    await openIncident(f.t, operatorId, [service.id]);

    const [row] = await settled(f.t, { targets: [user.email] }, 1);
    expect(row).toMatchObject({ state: 'sent', attempts: 3, last_error: null });
    expect(f.smtp.attempts(user.email)).toBe(3);
    expect(f.smtp.to(user.email)).toHaveLength(1);
  });

  it('honours a Telegram 429 retry_after on the queue limiter and sends once, without spending an attempt', async () => {
    const chatId = String(730_000_000 + Math.floor(Math.random() * 1_000_000));
    const service = await createService(f.t, operatorId);
    const user = await registerUser(f.t);
    const channel = await addVerifiedChannel(f.t, user.id, 'telegram', chatId);
    await subscribe(f.t, user.id, channel.id, [service.id]);
    f.telegram.failTimes(chatId, telegramFailures.tooManyRequests(1), 1);
    await openIncident(f.t, operatorId, [service.id]);

    const [row] = await settled(f.t, { targets: [chatId] }, 1);
    expect(row).toMatchObject({ state: 'sent', attempts: 1, last_error: null });
    const [refused, accepted] = f.telegram.messages(chatId);
    expect(f.telegram.messages(chatId)).toHaveLength(2);
    expect((accepted?.at.getTime() ?? 0) - (refused?.at.getTime() ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('keeps every key of the installation under one hash tag, in one slot on one master', async () => {
    const prefix = queueKeyPrefix({ kind: 'cluster' }, await workerPrefix(f.prefix, f.databaseUrl));
    expect(prefix).toMatch(/^\{.+\}$/);
    const found = await waitFor('the queues’ keys', async () => {
      const byNode = await keysByNode(prefix);
      return byNode.size > 0 ? byNode : undefined;
    });
    expect([...found.keys()]).toHaveLength(1);
    const keys = [...found.values()].flat();
    // Queues, job schedulers, jobs, the Telegram limiter: all of them.
    expect(keys).toEqual(
      expect.arrayContaining([
        `${prefix}:outbox:meta`,
        `${prefix}:maintenance:repeat`,
        `${prefix}:deliver-email:meta`,
        `${prefix}:deliver-telegram:meta`,
      ]),
    );
    const [node] = cluster.nodes.filter((candidate) => found.has(candidate.port));
    const slot = await cluster.command(node ?? { host: '', port: 0 }, 'CLUSTER', 'KEYSLOT', prefix);
    for (const key of keys.slice(0, 200)) {
      expect(await cluster.command(node ?? { host: '', port: 0 }, 'CLUSTER', 'KEYSLOT', key), key).toBe(slot);
    }
  });
});
