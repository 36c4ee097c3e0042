import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  accountLessOf,
  bulkSubscribers,
  createService,
  createTestCore,
  deliveriesOf,
  freePort,
  killChildren,
  openIncident,
  registerUser,
  spawnWorker,
  startRedisServer,
  startTestWorker,
  type TestCore,
  testEnv,
  testEnvVars,
  unique,
  waitFor,
} from './support/harness';
import { type FakeSmtp, startFakeSmtp } from './support/smtp';

let t: TestCore;
let smtp: FakeSmtp;
let operatorId: string;

beforeAll(async () => {
  [t, smtp] = await Promise.all([createTestCore(), startFakeSmtp()]);
  operatorId = (await registerUser(t, unique('operator'))).id;
});

afterEach(() => killChildren());

afterAll(async () => {
  await Promise.all([t?.close(), smtp?.close()]);
});

/** Messages each address received, keyed by address (only addresses that got at least one). */
function receivedBy(addresses: string[]) {
  const wanted = new Set(addresses);
  const counts = new Map<string, number>();
  for (const mail of smtp.messages) {
    for (const to of mail.to) if (wanted.has(to)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

/** Delivery states of an event's messages to these addresses (channels of other files may follow all services). */
async function pendingOf(eventId: string, addresses: string[]) {
  const [row] = await t.sql<{ pending: number; sent: number }[]>`
    select count(*) filter (where d.state = 'pending')::int as pending, count(*) filter (where d.state = 'sent')::int as sent
    from notification_deliveries d join notification_messages m on m.id = d.message_id
    where m.event_id = ${eventId}::uuid and d.target = any(${addresses})`;
  return row ?? { pending: 0, sent: 0 };
}

describe('worker reliability', () => {
  it('delivers every message of a 2,000-recipient fan-out exactly once when the worker is stopped midway and started again', async () => {
    const service = await createService(t, operatorId);
    const addresses = await bulkSubscribers(t, service.id, 2000);
    // Half of them are account-less subscribers: exactly once holds for them too.
    expect(await accountLessOf(t, addresses)).toHaveLength(1000);
    const env = testEnvVars({
      WORKER_QUEUE_PREFIX: `${inject('queuePrefix')}-restart`,
      NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
    });
    const first = spawnWorker(env);
    await first.waitFor('worker started');
    const incident = await openIncident(t, operatorId, [service.id]);

    await waitFor('some deliveries', () => receivedBy(addresses).size >= 200, 30_000);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain('worker stopped');
    const midway = await pendingOf(incident.id, addresses);
    expect(midway.sent + midway.pending).toBe(2000);
    expect(midway.pending).toBeGreaterThan(0);

    const second = spawnWorker(env);
    await waitFor('every delivery', async () => (await pendingOf(incident.id, addresses)).sent === 2000, 60_000);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);

    const counts = receivedBy(addresses);
    expect(counts.size).toBe(2000);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    const rows = await deliveriesOf(t, { eventId: incident.id, targets: addresses });
    expect(rows.every((row) => row.state === 'sent' && row.attempts === 1)).toBe(true);
  });

  it('delivers each message once when two workers run at once, and both take part', async () => {
    const service = await createService(t, operatorId);
    const addresses = await bulkSubscribers(t, service.id, 400);
    // Half of them are account-less subscribers: exactly once holds for them too.
    expect(await accountLessOf(t, addresses)).toHaveLength(200);
    const shared = {
      WORKER_QUEUE_PREFIX: `${inject('queuePrefix')}-pair`,
      NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
    };
    // Each worker signs its mail with its own sender address, so the SMTP server can tell them apart.
    const workers = ['worker-a@example.test', 'worker-b@example.test'].map((from) =>
      spawnWorker(testEnvVars({ ...shared, NOTIFICATIONS_EMAIL_FROM_ADDRESS: from })),
    );
    await Promise.all(workers.map((worker) => worker.waitFor('worker started')));
    const incidents = await Promise.all([1, 2].map(() => openIncident(t, operatorId, [service.id])));

    await waitFor(
      'every delivery',
      async () =>
        (await Promise.all(incidents.map((incident) => pendingOf(incident.id, addresses)))).every(
          (c) => c.sent === 400,
        ),
      60_000,
    );
    for (const worker of workers) worker.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((worker) => worker.exited))).toEqual([0, 0]);

    const counts = receivedBy(addresses);
    expect(counts.size).toBe(400);
    expect([...counts.values()].every((count) => count === 2)).toBe(true);
    const senders = new Set(
      smtp.messages.filter((mail) => mail.to.some((to) => addresses.includes(to))).map((mail) => mail.from),
    );
    expect([...senders].sort()).toEqual(['worker-a@example.test', 'worker-b@example.test']);
  });

  it('keeps the notifications of an incident opened while Redis is down and delivers them when it is back', async () => {
    const port = await freePort();
    let redis = startRedisServer(port);
    const service = await createService(t, operatorId);
    const addresses = await bulkSubscribers(t, service.id, 20);
    // Half of them are account-less subscribers: exactly once holds for them too.
    expect(await accountLessOf(t, addresses)).toHaveLength(10);
    const worker = await startTestWorker(
      testEnv({
        REDIS_URL: `redis://127.0.0.1:${port}`,
        WORKER_QUEUE_PREFIX: `${inject('queuePrefix')}-redis`,
        NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
      }),
    );
    try {
      redis.kill('SIGKILL');
      await new Promise((resolve) => redis.once('exit', resolve));

      // The api's write does not need Redis: the message waits in the outbox.
      const incident = await openIncident(t, operatorId, [service.id]);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const [row] = await t.sql<{ dispatched: boolean }[]>`
        select o.dispatched_at is not null as dispatched from outbox o
        join notification_messages m on m.id = (o.payload->>'message_id')::bigint
        where o.kind = 'notification.fanout' and m.event_id = ${incident.id}::uuid`;
      expect(row).toEqual({ dispatched: false });
      expect(receivedBy(addresses).size).toBe(0);

      redis = startRedisServer(port);
      await waitFor('every delivery', async () => (await pendingOf(incident.id, addresses)).sent === 20, 30_000);
      const counts = receivedBy(addresses);
      expect(counts.size).toBe(20);
      expect([...counts.values()].every((count) => count === 1)).toBe(true);
    } finally {
      await worker.close();
      redis.kill('SIGKILL');
    }
  });
});
