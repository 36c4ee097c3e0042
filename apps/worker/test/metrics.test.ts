import { CreateEventInput } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import { accepts, externalAddress } from '../../api/test/support/network';
import { useWorkerFixture } from './support/fixture';
import { createService, deliveriesOf, registerUser, subscribe, unique, waitFor } from './support/harness';

const f = useWorkerFixture({ name: 'metrics', env: { MAINTENANCE_REMINDER_LEAD: '0' } });

/** The value of one series of a Prometheus text exposition (undefined when absent). */
function sample(text: string, name: string, labels: Record<string, string> = {}) {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

const scrape = async () => {
  const url = f.worker.metrics.url();
  if (!url) throw new Error('the metrics server is not listening');
  const response = await fetch(url);
  expect(response.status).toBe(200);
  return response.text();
};

describe('worker metrics', () => {
  it('listens on loopback only by default (WORKER_METRICS_HOST)', async () => {
    await f.worker.started;
    const port = Number(new URL(f.worker.metrics.url() ?? '').port);
    expect(await accepts('127.0.0.1', port)).toBe(true);
    expect(await accepts(externalAddress(), port)).toBe(false);
  });

  it('exposes deliveries, their latency, a scheduled transition, queues, outbox and pool', async () => {
    const admin = await registerUser(f.t);
    const service = await createService(f.t, admin.id);
    const subscriber = await registerUser(f.t);
    await subscribe(f.t, subscriber.id, subscriber.defaultChannel.id, [service.id]);
    const event = await f.t.core.events.create(
      admin.id,
      CreateEventInput.parse({
        title: unique('Maintenance'),
        type: 'maintenance',
        status: 'scheduled',
        description: 'Database upgrade',
        scheduled_start_at: new Date(Date.now() + 1500).toISOString(),
        scheduled_end_at: new Date(Date.now() + 3_600_000).toISOString(),
        notify_subscribers: true,
        affected_services: [{ service_id: service.id, status: 'maintenance' }],
      }),
    );
    await waitFor('the automatic start', async () => (await f.t.core.events.get(event.id)).status === 'in_progress');

    // The initial notification and the "started" update, both sent by this f.worker.
    const text = await waitFor(
      'the counters',
      async () => {
        const body = await scrape();
        return (sample(body, 'notifications_sent_total', { channel_type: 'email', kind: 'initial' }) ?? 0) >= 1 &&
          (sample(body, 'notifications_sent_total', { channel_type: 'email', kind: 'update' }) ?? 0) >= 1 &&
          (sample(body, 'maintenance_transitions_total', { kind: 'start' }) ?? 0) >= 1
          ? body
          : undefined;
      },
      45_000,
    ).catch(async (error) => {
      const rows = await deliveriesOf(f.t, { eventId: event.id });
      throw new Error(`${(error as Error).message}; deliveries: ${JSON.stringify(rows)}; metrics:\n${await scrape()}`);
    });
    expect(sample(text, 'notifications_sent_total', { channel_type: 'email', kind: 'initial' })).toBeGreaterThanOrEqual(
      1,
    );
    expect(
      sample(text, 'notification_delivery_latency_seconds_count', { channel_type: 'email' }),
    ).toBeGreaterThanOrEqual(2);
    expect(text).toContain('notification_delivery_latency_seconds_bucket{le="1",channel_type="email"}');
    expect(text).toContain('# TYPE notifications_failed_total counter');
    expect(sample(text, 'maintenance_transition_lag_seconds_count', { kind: 'start' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'maintenance_transition_lag_max_seconds', { kind: 'start' })).toBeGreaterThanOrEqual(0);
    for (const queue of [
      'outbox',
      'maintenance',
      'deliver-email',
      'deliver-telegram',
      'deliver-mattermost',
      'deliver-webhook',
      'deliver-slack',
      'deliver-discord',
      'deliver-teams',
    ]) {
      for (const state of ['waiting', 'active', 'delayed']) {
        expect(sample(text, 'queue_jobs', { queue, state }), `${queue} ${state}`).toBeGreaterThanOrEqual(0);
      }
      expect(sample(text, 'queue_failed_jobs', { queue })).toBeGreaterThanOrEqual(0);
    }
    // The completion of the maintenance is a delayed job.
    expect(sample(text, 'queue_jobs', { queue: 'maintenance', state: 'delayed' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'queue_jobs_completed_total', { queue: 'outbox' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'outbox_backlog')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'outbox_oldest_undispatched_age_seconds')).toBeGreaterThanOrEqual(0);
    // The pool as PostgreSQL sees it: DATABASE_POOL_SIZE, and at least the connection that asked.
    expect(sample(text, 'db_pool_max_connections')).toBe(10);
    const inUse = sample(text, 'db_pool_connections', { state: 'in_use' }) ?? -1;
    const idle = sample(text, 'db_pool_connections', { state: 'idle' }) ?? -1;
    expect(idle).toBeGreaterThanOrEqual(1);
    expect(inUse).toBeGreaterThanOrEqual(0);
    expect(inUse + idle).toBeLessThanOrEqual(10);
    expect(sample(text, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });
});
