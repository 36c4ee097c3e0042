import { seedDevelopmentData, serviceStatusDays, serviceStatusDayZones } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DayUptime, ServiceDays } from '../src';
import { openDb, uptimeCore } from './support/uptime';

// Uptime over real PostgreSQL, through the real use-cases: manual changes, incidents,
// maintenance, deletion, and time zones. The clock is the test's, so history can be made.

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let client: Awaited<ReturnType<typeof openDb>>;
let t: Awaited<ReturnType<typeof uptimeCore>>;

beforeAll(async () => {
  database = await createTestDatabase('sp_uptime');
  client = await openDb(database.url);
  t = await uptimeCore(client, '2026-05-01T10:00:00Z');
}, 60_000);
afterAll(async () => {
  await client?.close();
  await database?.drop();
});

const HOUR_MIN = 60;
function day(result: ServiceDays[], serviceId: string, date: string): DayUptime {
  const found = result.find((service) => service.serviceId === serviceId)?.days.find((d) => d.date === date);
  if (!found) throw new Error(`no ${date} for ${serviceId}`);
  return found;
}

/** The same read after throwing the rollup away: it is rebuilt from the log alone. */
async function rebuilt(query: Parameters<typeof t.core.uptime.days>[0]) {
  await client.db.delete(serviceStatusDays);
  await client.db.delete(serviceStatusDayZones);
  return t.core.uptime.days(query);
}

describe('uptime days', () => {
  it('counts minutes per status from manual changes, no data before the service existed or after now', async () => {
    t.at('2026-05-01T10:00:00Z');
    const service = await t.service();
    const query = { from: '2026-04-30', to: '2026-05-03', timeZone: 'UTC', serviceIds: [service.id] };
    // Read once first: the rollup is kept for UTC from here on, so the changes below refresh it.
    await t.core.uptime.days(query);
    t.at('2026-05-01T16:00:00Z');
    await t.setStatus(service, 'major_outage', 'database down');
    t.at('2026-05-01T18:00:00Z');
    await t.setStatus(service, 'operational');
    t.at('2026-05-02T12:00:00Z');

    const result = await t.core.uptime.days(query);
    expect(result).toHaveLength(1);
    expect(result[0]?.days.map((d) => d.date)).toEqual(['2026-04-30', '2026-05-01', '2026-05-02', '2026-05-03']);
    expect(day(result, service.id, '2026-04-30')).toEqual({
      date: '2026-04-30',
      worst: null,
      uptimePercent: null,
      minutes: {},
      eventIds: [],
    });
    const first = day(result, service.id, '2026-05-01');
    expect(first.minutes).toEqual({ operational: 12 * HOUR_MIN, major_outage: 2 * HOUR_MIN });
    expect(first.worst).toBe('major_outage');
    expect(first.uptimePercent).toBeCloseTo(100 * (1 - 2 / 14), 10);
    expect(day(result, service.id, '2026-05-02')).toMatchObject({
      worst: 'operational',
      uptimePercent: 100,
      minutes: { operational: 12 * HOUR_MIN },
    });
    expect(day(result, service.id, '2026-05-03').worst).toBeNull();
    expect(result[0]?.uptimePercent).toBeCloseTo(100 * (1 - 2 / 26), 10);
    expect(await rebuilt(query)).toEqual(result);
  });

  it('keeps a status spanning many days on every day, without any write', async () => {
    t.at('2026-05-10T00:00:00Z');
    const service = await t.service('degraded');
    t.at('2026-05-15T06:00:00Z');
    const result = await t.core.uptime.days({
      from: '2026-05-10',
      to: '2026-05-15',
      timeZone: 'UTC',
      serviceIds: [service.id],
    });
    const days = result[0]?.days ?? [];
    expect(days.slice(0, 5).map((d) => d.minutes)).toEqual(Array(5).fill({ degraded: 24 * HOUR_MIN }));
    expect(days[5]?.minutes).toEqual({ degraded: 6 * HOUR_MIN });
    expect(days.every((d) => d.uptimePercent === 100 && d.worst === 'degraded')).toBe(true);
  });

  it('counts an incident by the effective status visitors saw, lists it on its days, and forgets it when deleted', async () => {
    t.at('2026-06-01T00:00:00Z');
    const service = await t.service();
    t.at('2026-06-01T22:00:00Z');
    const incident = await t.open({
      type: 'incident',
      status: 'investigating',
      severity: 'major',
      affected_services: [{ service_id: service.id, status: 'partial_outage' }],
    });
    // A manual change during the incident changes the stored status, not what visitors see.
    t.at('2026-06-02T01:00:00Z');
    await t.setStatus(service, 'degraded');
    t.at('2026-06-02T02:00:00Z');
    await t.update({ id: incident.id, status: 'resolved' });
    t.at('2026-06-03T00:00:00Z');

    const query = { from: '2026-06-01', to: '2026-06-02', timeZone: 'UTC', serviceIds: [service.id] };
    const result = await t.core.uptime.days(query);
    expect(day(result, service.id, '2026-06-01')).toMatchObject({
      minutes: { operational: 22 * HOUR_MIN, partial_outage: 2 * HOUR_MIN },
      worst: 'partial_outage',
      eventIds: [incident.id],
    });
    expect(day(result, service.id, '2026-06-01').uptimePercent).toBeCloseTo(100 * (1 - (0.3 * 2) / 24), 10);
    expect(result[0]?.eventIds).toEqual([incident.id]);
    expect(day(result, service.id, '2026-06-02')).toMatchObject({
      minutes: { partial_outage: 2 * HOUR_MIN, operational: 22 * HOUR_MIN },
      eventIds: [incident.id],
    });
    expect(await rebuilt(query)).toEqual(result);

    // Deleting the event deletes the status-log entries it caused: its downtime goes with them.
    await t.core.events.delete(incident.id);
    const after = await t.core.uptime.days(query);
    expect(day(after, service.id, '2026-06-01')).toMatchObject({
      minutes: { operational: 24 * HOUR_MIN },
      worst: 'operational',
      eventIds: [],
    });
    expect(day(after, service.id, '2026-06-02').minutes).toEqual({ operational: 24 * HOUR_MIN });
    expect(after[0]?.eventIds).toEqual([]);
    expect(await rebuilt(query)).toEqual(after);
  });

  it('summarises again only the days that changed, and answers what a fresh read answers', async () => {
    t.at('2026-08-01T00:00:00Z');
    const service = await t.service();
    t.at('2026-08-02T03:00:00Z');
    await t.setStatus(service, 'degraded');
    t.at('2026-08-02T05:00:00Z');
    await t.setStatus(service, 'operational');
    t.at('2026-08-04T12:00:00Z');
    const query = { from: '2026-08-01', to: '2026-08-04', timeZone: 'UTC', serviceIds: [service.id] };
    const first = await t.core.uptime.days(query);
    const again = await t.core.uptime.days(query);
    // Nothing changed: the very same (frozen) day objects.
    expect(again[0]?.days).toHaveLength(4);
    for (const [index, d] of (again[0]?.days ?? []).entries()) expect(d).toBe(first[0]?.days[index]);
    expect(Object.isFrozen(again[0]?.days[1])).toBe(true);

    // A change today: today is summarised again, the finished days are the earlier objects.
    t.at('2026-08-04T13:00:00Z');
    await t.setStatus(service, 'major_outage');
    t.at('2026-08-04T14:00:00Z');
    const changed = await t.core.uptime.days(query);
    for (const index of [0, 1, 2]) expect(changed[0]?.days[index]).toBe(first[0]?.days[index]);
    expect(changed[0]?.days[3]).not.toBe(first[0]?.days[3]);
    expect(day(changed, service.id, '2026-08-04')).toMatchObject({
      worst: 'major_outage',
      minutes: { operational: 13 * HOUR_MIN, major_outage: HOUR_MIN },
    });

    // An incident back-dated onto a finished day changes that day too (its events and minutes).
    const incident = await t.open({
      type: 'incident',
      status: 'resolved',
      severity: 'minor',
      started_at: '2026-08-02T10:00:00Z',
      resolved_at: '2026-08-02T11:00:00Z',
      affected_services: [{ service_id: service.id, status: 'degraded' }],
    });
    const backdated = await t.core.uptime.days(query);
    expect(backdated[0]?.days[0]).toBe(first[0]?.days[0]);
    expect(day(backdated, service.id, '2026-08-02').eventIds).toEqual([incident.id]);

    // The same answers as a read without any memo (the rollup rebuilt from the log by another core).
    const fresh = await uptimeCore(client, '2026-08-04T14:00:00Z');
    expect(await fresh.core.uptime.days(query)).toEqual(backdated);
    // The range moving on by a day keeps the days it shares with the last read.
    const moved = await t.core.uptime.days({ ...query, from: '2026-08-02', to: '2026-08-05' });
    expect(moved[0]?.days[0]).toBe(backdated[0]?.days[1]);
    expect(moved[0]?.days[3]?.worst).toBeNull();
  });

  it('shows maintenance and leaves it out of uptime', async () => {
    t.at('2026-07-01T00:00:00Z');
    const service = await t.service();
    t.at('2026-07-01T04:00:00Z');
    const maintenance = await t.open({
      type: 'maintenance',
      status: 'in_progress',
      affected_services: [{ service_id: service.id, status: 'maintenance' }],
    });
    t.at('2026-07-01T07:00:00Z');
    await t.update({
      id: maintenance.id,
      status: 'in_progress',
      service_updates: [{ service_id: service.id, status: 'major_outage' }],
    });
    t.at('2026-07-01T08:00:00Z');
    await t.update({ id: maintenance.id, status: 'completed' });
    t.at('2026-07-02T00:00:00Z');
    const result = await t.core.uptime.days({
      from: '2026-07-01',
      to: '2026-07-01',
      timeZone: 'UTC',
      serviceIds: [service.id],
    });
    const only = day(result, service.id, '2026-07-01');
    expect(only.minutes).toEqual({ operational: 20 * HOUR_MIN, maintenance: 3 * HOUR_MIN, major_outage: HOUR_MIN });
    expect(only.worst).toBe('major_outage');
    expect(only.uptimePercent).toBeCloseTo(100 * (1 - 1 / 21), 10);
    expect(only.eventIds).toEqual([maintenance.id]);
  });

  it('answers in any time zone, kept current for every zone it was read in', async () => {
    t.at('2026-08-01T00:00:00Z');
    const service = await t.service();
    const zones = ['UTC', 'Asia/Kolkata', 'America/New_York'];
    const read = (timeZone: string) =>
      t.core.uptime.days({ from: '2026-07-31', to: '2026-08-02', timeZone, serviceIds: [service.id] });
    for (const zone of zones) await read(zone);
    // 20:00–21:00 UTC on 1 August is 2 August in Kolkata (+05:30) and 1 August in New York (−04:00).
    t.at('2026-08-01T20:00:00Z');
    await t.setStatus(service, 'major_outage');
    t.at('2026-08-01T21:00:00Z');
    await t.setStatus(service, 'operational');
    t.at('2026-08-03T00:00:00Z');
    const kolkata = await read('Asia/Kolkata');
    expect(day(kolkata, service.id, '2026-08-02').minutes).toEqual({ operational: 23 * HOUR_MIN, major_outage: 60 });
    expect(day(kolkata, service.id, '2026-08-01').minutes).toEqual({ operational: 18 * HOUR_MIN + 30 });
    expect(day(kolkata, service.id, '2026-07-31').worst).toBeNull();
    const newYork = await read('America/New_York');
    expect(day(newYork, service.id, '2026-08-01').minutes).toEqual({ operational: 23 * HOUR_MIN, major_outage: 60 });
    expect(day(newYork, service.id, '2026-07-31').minutes).toEqual({ operational: 4 * HOUR_MIN });
    for (const zone of zones) {
      const kept = await read(zone);
      expect(await rebuilt({ from: '2026-07-31', to: '2026-08-02', timeZone: zone, serviceIds: [service.id] })).toEqual(
        kept,
      );
    }
  });

  it('lists every service that is not archived when no ids are given, in display order', async () => {
    const all = await t.core.uptime.days({ from: '2026-08-01', to: '2026-08-01', timeZone: 'UTC' });
    const listed = await t.core.services.list({ include_archived: false });
    expect(all.map((service) => service.serviceId)).toEqual(listed.map((service) => service.id));
  });

  it('refuses a bad time zone, date or range', async () => {
    const days = (query: Partial<Parameters<typeof t.core.uptime.days>[0]>) =>
      t.core.uptime.days({ from: '2026-08-01', to: '2026-08-02', timeZone: 'UTC', ...query });
    await expect(days({ timeZone: 'Mars/Olympus' })).rejects.toMatchObject({ kind: 'invalid', code: 'uptime.invalid' });
    await expect(days({ from: '2026-02-30' })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(days({ to: '2026-07-01' })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(days({ from: '2020-01-01' })).rejects.toMatchObject({ kind: 'invalid' });
    await expect(days({ serviceIds: ['api'] })).rejects.toMatchObject({ kind: 'invalid', code: 'uptime.invalid' });
    await expect(t.core.uptime.months({ serviceId: 'not-an-id', months: 12, timeZone: 'UTC' })).rejects.toMatchObject({
      kind: 'invalid',
    });
    await expect(
      t.core.uptime.months({ serviceId: '00000000-0000-4000-8000-000000000000', months: 0, timeZone: 'UTC' }),
    ).rejects.toMatchObject({ kind: 'invalid' });
  });
});

describe('uptime months', () => {
  it('gives uptime per local month, none before the service existed', async () => {
    t.at('2026-09-01T00:00:00Z');
    const service = await t.service();
    t.at('2026-09-11T00:00:00Z');
    await t.setStatus(service, 'major_outage');
    t.at('2026-09-11T12:00:00Z');
    await t.setStatus(service, 'operational');
    t.at('2026-10-16T00:00:00Z');
    const months = await t.core.uptime.months({ serviceId: service.id, months: 12, timeZone: 'UTC' });
    expect(months).toHaveLength(12);
    expect(months.map((m) => m.month)).toEqual([
      '2025-11',
      '2025-12',
      '2026-01',
      '2026-02',
      '2026-03',
      '2026-04',
      '2026-05',
      '2026-06',
      '2026-07',
      '2026-08',
      '2026-09',
      '2026-10',
    ]);
    expect(months.slice(0, 10).every((m) => m.uptimePercent === null)).toBe(true);
    expect(months[10]?.uptimePercent).toBeCloseTo(100 * (1 - 0.5 / 30), 10);
    expect(months[11]?.uptimePercent).toBe(100);
  });
});

describe('uptime on the embedded database (PGlite, the quickstart)', () => {
  it('shows the seeded 90 days of history and keeps it current on a change', async () => {
    const embedded = await openDb();
    try {
      await embedded.migrate();
      await seedDevelopmentData(embedded.db);
      const e = await uptimeCore(embedded, new Date().toISOString());
      const to = new Date().toISOString().slice(0, 10);
      const from = new Date(Date.now() - 89 * 86_400_000).toISOString().slice(0, 10);
      const result = await e.core.uptime.days({ from, to, timeZone: 'UTC' });
      expect(result).toHaveLength(4);
      const days = result.flatMap((service) => service.days);
      expect(days).toHaveLength(4 * 90);
      // Every demo service existed 90 days ago: no day without data.
      expect(days.filter((d) => d.worst === null)).toEqual([]);
      const troubled = days.filter((d) => d.worst !== 'operational');
      expect(new Set(troubled.map((d) => d.worst))).toEqual(
        new Set(['degraded', 'partial_outage', 'major_outage', 'maintenance']),
      );
      expect(new Set(days.flatMap((d) => d.eventIds)).size).toBe(4);
      expect(result.every((service) => (service.uptimePercent ?? 0) > 99)).toBe(true);

      const [api] = await e.core.services.list({ include_archived: false });
      if (!api) throw new Error('no demo service');
      await e.setStatus(api, 'major_outage');
      e.at(new Date(Date.now() + 60_000).toISOString());
      const after = await e.core.uptime.days({ from: to, to, timeZone: 'UTC', serviceIds: [api.id] });
      expect(after[0]?.days[0]?.worst).toBe('major_outage');
    } finally {
      await embedded.close();
    }
  }, 60_000);
});
