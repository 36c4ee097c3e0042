import {
  AddEventUpdateInput,
  CreateEventInput,
  maintenanceJobId,
  PUBLIC_CACHE_INVALIDATION_CHANNEL,
  queueNames,
} from '@statuspage/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningWorker } from '../src/worker';
import {
  createService,
  createTestCore,
  deliveriesOf,
  registerUser,
  settled,
  startTestWorker,
  subscribe,
  type TestCore,
  testEnv,
  unique,
  waitFor,
  workerPrefix,
} from './support/harness';
import { type FakeSmtp, parse, startFakeSmtp } from './support/smtp';

const prefix = `${inject('queuePrefix')}-maintenance`;
let t: TestCore;
let smtp: FakeSmtp;
let worker: RunningWorker;
let redis: Redis;
let queue: Queue;
let admin: { id: string };
let subscriber: Redis;
const invalidations: { origin: string; reason?: string; event_id?: string }[] = [];

const env = () =>
  testEnv({
    WORKER_QUEUE_PREFIX: prefix,
    NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
    MAINTENANCE_REMINDER_LEAD: '1500ms',
  });

beforeAll(async () => {
  [t, smtp] = await Promise.all([createTestCore(), startFakeSmtp()]);
  worker = await startTestWorker(env());
  redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
  queue = new Queue(queueNames.maintenance, { connection: redis, prefix: await workerPrefix(prefix) });
  admin = await registerUser(t);
  subscriber = new Redis(inject('redisUrl'));
  // Only workers' messages: api test runs sharing this Redis publish on the same channel (and so do
  // other files' and other runs' workers: the tests look at their own event's).
  subscriber.on('message', (_channel, message) => {
    const parsed = JSON.parse(message) as { origin: string; reason?: string; event_id?: string };
    if (parsed.origin === 'worker') invalidations.push(parsed);
  });
  await subscriber.subscribe(PUBLIC_CACHE_INVALIDATION_CHANNEL);
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  redis?.disconnect();
  subscriber?.disconnect();
  await Promise.all([t?.close(), smtp?.close()]);
});

const ahead = (ms: number) => new Date(Date.now() + ms).toISOString();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A subscriber (its default e-mail channel) of a new service. */
async function subscribedService() {
  const service = await createService(t, admin.id);
  const subscriber = await registerUser(t);
  await subscribe(t, subscriber.id, subscriber.defaultChannel.id, [service.id]);
  return { service, address: subscriber.email };
}

async function scheduleMaintenance(serviceId: string, startMs: number, endMs: number, notify = true) {
  return t.core.events.create(
    admin.id,
    CreateEventInput.parse({
      title: unique('Maintenance'),
      type: 'maintenance',
      status: 'scheduled',
      description: 'Database upgrade',
      scheduled_start_at: ahead(startMs),
      scheduled_end_at: ahead(endMs),
      notify_subscribers: notify,
      affected_services: [{ service_id: serviceId, status: 'maintenance' }],
    }),
  );
}

const statusOf = async (eventId: string) => (await t.core.events.get(eventId)).status;
const waitForStatus = (eventId: string, status: string, timeoutMs = 15_000) =>
  waitFor(`event ${status}`, async () => (await statusOf(eventId)) === status, timeoutMs);
/** The timeline, oldest first. */
const timeline = async (eventId: string) => (await t.core.events.listUpdates(eventId)).reverse();
const statusLog = (eventId: string) =>
  t.sql<{ old_status: string; new_status: string; created_by: string | null }[]>`
    select old_status::text, new_status::text, created_by from service_status_log
    where event_id = ${eventId}::uuid order by created_at, id`;
const pendingJobsOf = async (eventId: string) =>
  (await queue.getDelayed()).map((job) => job.id ?? '').filter((id) => id.startsWith(`maintenance-${eventId}-`));
const subjects = async (address: string) =>
  Promise.all(smtp.to(address).map(async (mail) => (await parse(mail)).subject));

describe('maintenance automation', () => {
  it('start and complete happen by themselves, with timeline, status log, effective status and notifications', async () => {
    const { service, address } = await subscribedService();
    const event = await scheduleMaintenance(service.id, 3000, 5000);

    await waitForStatus(event.id, 'in_progress');
    expect((await t.core.services.get(service.slug)).effective_status).toBe('maintenance');
    await waitForStatus(event.id, 'completed');
    expect((await t.core.services.get(service.slug)).effective_status).toBe('operational');

    const updates = await timeline(event.id);
    expect(updates.map((update) => update.status)).toEqual(['scheduled', 'in_progress', 'completed']);
    expect(updates[1]?.message).toMatch(/^Maintenance started automatically at /);
    expect(updates[2]?.message).toMatch(/^Maintenance completed automatically at /);
    expect(updates.slice(1).map((update) => update.created_by)).toEqual([null, null]);
    expect((await statusLog(event.id)).map((row) => [row.old_status, row.new_status, row.created_by])).toEqual([
      ['operational', 'maintenance', null],
      ['maintenance', 'operational', null],
    ]);

    const deliveries = await settled(t, { eventId: event.id, targets: [address] }, 4);
    expect(deliveries.map((row) => [row.kind, row.state])).toEqual([
      ['initial', 'sent'],
      ['reminder', 'sent'],
      ['update', 'sent'],
      ['completed', 'sent'],
    ]);
    await waitFor('four e-mails', () => smtp.to(address).length === 4);
    expect(await subjects(address)).toHaveLength(4);
    expect(await pendingJobsOf(event.id)).toEqual([]);
    expect(invalidations.filter((message) => message.event_id === event.id)).toEqual([
      { origin: 'worker', reason: 'maintenance.start', event_id: event.id },
      { origin: 'worker', reason: 'maintenance.complete', event_id: event.id },
    ]);
    const kinds = worker.metrics.maintenance.snapshot().transitions.filter((entry) => entry.source === 'automatic');
    expect(kinds.map((entry) => entry.kind).sort()).toEqual(['complete', 'start']);
    // The audit log names the system and the job for what the transitions changed.
    const audited = await t.sql<{ actor_type: string; operation: string; changes: Record<string, unknown> }[]>`
      select actor_type, operation, changes from audit_entries
      where target_type = 'event' and target_id = ${event.id} and action = 'update' order by id`;
    expect(audited.map((entry) => [entry.actor_type, entry.operation, entry.changes.status])).toEqual([
      ['system', 'maintenance.start', { old: 'scheduled', new: 'in_progress' }],
      ['system', 'maintenance.complete', { old: 'in_progress', new: 'completed' }],
    ]);
  });

  it('rescheduling moves the transitions and replaces the pending jobs', async () => {
    const { service } = await subscribedService();
    const event = await scheduleMaintenance(service.id, 2000, 60_000, false);
    const start = new Date(event.scheduled_start_at as string);
    await waitFor('the start job', async () =>
      (await pendingJobsOf(event.id)).includes(maintenanceJobId(event.id, 'start', start)),
    );

    const movedStart = new Date(Date.now() + 4000);
    const movedEnd = new Date(Date.now() + 5500);
    await t.core.events.update({
      id: event.id,
      scheduled_start_at: movedStart.toISOString(),
      scheduled_end_at: movedEnd.toISOString(),
    });
    await waitFor('the moved jobs', async () => {
      const ids = await pendingJobsOf(event.id);
      return (
        ids.length === 2 &&
        ids.includes(maintenanceJobId(event.id, 'start', movedStart)) &&
        ids.includes(maintenanceJobId(event.id, 'complete', movedEnd))
      );
    });
    await sleep(Math.max(0, start.getTime() + 500 - Date.now()));
    expect(await statusOf(event.id)).toBe('scheduled');

    await waitForStatus(event.id, 'completed');
    const detail = await t.core.events.get(event.id);
    expect(new Date(detail.started_at as string).getTime()).toBeGreaterThanOrEqual(movedStart.getTime());
    expect(new Date(detail.resolved_at as string).getTime()).toBeGreaterThanOrEqual(movedEnd.getTime());
    expect((await timeline(event.id)).map((update) => update.status)).toEqual([
      'scheduled',
      'in_progress',
      'completed',
    ]);
  });

  it('deleting before the start cancels the jobs and sends "cancelled"', async () => {
    const { service, address } = await subscribedService();
    const event = await scheduleMaintenance(service.id, 2500, 4000);
    await waitFor('the jobs', async () => (await pendingJobsOf(event.id)).length === 3);
    await t.core.events.delete(event.id);
    await waitFor('no jobs left', async () => (await pendingJobsOf(event.id)).length === 0);

    await waitFor('two e-mails', () => smtp.to(address).length === 2);
    await sleep(Math.max(0, Date.parse(event.scheduled_end_at as string) + 500 - Date.now()));
    // The announcement and the cancellation are in flight at once: either may arrive first.
    const sent = await subjects(address);
    expect(sent).toHaveLength(2);
    expect(sent.filter((subject) => /cancel/i.test(subject))).toHaveLength(1);
    expect(await deliveriesOf(t, { targets: [address] })).toHaveLength(2);
  });

  it('an operator’s manual start before the scheduled time is not repeated', async () => {
    const { service } = await subscribedService();
    const event = await scheduleMaintenance(service.id, 1500, 60_000, false);
    await t.core.events.addUpdate(
      admin.id,
      AddEventUpdateInput.parse({ id: event.id, status: 'in_progress', message: 'Started early by hand' }),
    );
    await sleep(Math.max(0, Date.parse(event.scheduled_start_at as string) + 1000 - Date.now()));

    const updates = await timeline(event.id);
    expect(updates.map((update) => [update.status, update.message])).toEqual([
      ['scheduled', 'Database upgrade'],
      ['in_progress', 'Started early by hand'],
    ]);
    expect(await statusLog(event.id)).toHaveLength(1);
  });

  it('two workers at once: each transition and notification happens once', async () => {
    const second = await startTestWorker(env());
    try {
      const { service, address } = await subscribedService();
      const event = await scheduleMaintenance(service.id, 2500, 4000);
      await waitForStatus(event.id, 'completed');
      const deliveries = await settled(t, { eventId: event.id, targets: [address] }, 4);
      expect(deliveries.map((row) => row.kind)).toEqual(['initial', 'reminder', 'update', 'completed']);
      await waitFor('four e-mails', () => smtp.to(address).length === 4);
      await sleep(500);
      expect(smtp.to(address)).toHaveLength(4);
      expect((await timeline(event.id)).map((update) => update.status)).toEqual([
        'scheduled',
        'in_progress',
        'completed',
      ]);
      expect(await statusLog(event.id)).toHaveLength(2);
    } finally {
      await second.close();
    }
  });

  it('a worker down across the start and end reconciles when started again: completed, in order, once', async () => {
    await worker.close();
    const { service, address } = await subscribedService();
    const event = await scheduleMaintenance(service.id, 800, 1600);
    await sleep(2000);
    expect(await statusOf(event.id)).toBe('scheduled');

    worker = await startTestWorker(env());
    await waitForStatus(event.id, 'completed');
    const updates = await timeline(event.id);
    expect(updates.map((update) => update.status)).toEqual(['scheduled', 'in_progress', 'completed']);
    expect((await statusLog(event.id)).map((row) => [row.old_status, row.new_status])).toEqual([
      ['operational', 'maintenance'],
      ['maintenance', 'operational'],
    ]);
    expect((await t.core.services.get(service.slug)).effective_status).toBe('operational');
    const deliveries = await settled(t, { eventId: event.id, targets: [address] }, 3);
    expect(deliveries.map((row) => row.kind)).toEqual(['initial', 'update', 'completed']);
    await waitFor('three e-mails', () => smtp.to(address).length === 3);
    // Each transition happened once in this worker. Which path did it (the reconciliation, or a
    // delayed job of the stopped worker that fired on restart) depends on timing; both are correct.
    const byKind = new Map<string, number>();
    for (const entry of worker.metrics.maintenance.snapshot().transitions) {
      byKind.set(entry.kind, (byKind.get(entry.kind) ?? 0) + entry.count);
    }
    expect([...byKind].sort()).toEqual([
      ['complete', 1],
      ['start', 1],
    ]);
  });
});
