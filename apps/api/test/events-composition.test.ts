import { describe, expect, it } from 'vitest';
import { dataOf, type ServiceStatus, UUID } from './support/catalog';
import {
  addUpdate,
  closeEvent,
  createEvent,
  expectServiceStatus,
  getChanges,
  getEvent,
  getStatusLog,
  incidentBody,
  logSummary,
  maintenanceBody,
  type WireEvent,
  type WireEventServiceChange,
} from './support/events';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

describe('events composition', () => {
  const t = useApiFixture();

  const on = (service: { id: string }, status: ServiceStatus) => ({ service_id: service.id, status });
  /** A change row as `action service:<id>` or `action group:<id>`. */
  const row = (change: WireEventServiceChange) =>
    `${change.action} ${change.group_id ? `group:${change.group_id}` : `service:${change.service_id}`}`;
  const added = (kind: 'service' | 'group', item: { id: string }) => `added ${kind}:${item.id}`;
  const removed = (item: { id: string }) => `removed service:${item.id}`;
  /** The change history as batches in order, each batch's rows sorted. */
  const batches = (changes: WireEventServiceChange[]) => {
    const ids: (string | null)[] = [];
    for (const change of changes) if (!ids.includes(change.batch_id)) ids.push(change.batch_id);
    return ids.map((id) => {
      const rows = changes.filter((change) => change.batch_id === id);
      return { rows: rows.map(row).sort(), all: rows };
    });
  };
  const sorted = (...rows: string[]) => [...rows].sort();
  const serviceStatusesOf = async (event: { id: string }) => {
    const detail = await getEvent(t.http, event.id);
    return [...detail.service_ids].sort();
  };

  it('creation is recorded as one batch of added rows: each group and each resulting service', async () => {
    const first = await createGroup(t.http, t.admin);
    const second = await createGroup(t.http, t.admin);
    const a = await createService(t.http, t.admin, { group_ids: [first.id] });
    const b = await createService(t.http, t.admin, { group_ids: [first.id, second.id] });
    const c = await createService(t.http, t.admin, { group_ids: [second.id] });
    const d = await createService(t.http, t.admin);
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({
        affected_groups: [
          { group_id: first.id, status: 'degraded' },
          { group_id: second.id, status: 'partial_outage' },
        ],
        affected_services: [on(d, 'major_outage'), on(b, 'degraded')],
      }),
    );
    const changes = await getChanges(t.http, event.id);
    const [creation, ...rest] = batches(changes);
    expect(rest).toEqual([]);
    expect(creation?.rows).toEqual(
      sorted(
        added('group', first),
        added('group', second),
        added('service', a),
        added('service', b),
        added('service', c),
        added('service', d),
      ),
    );
    for (const change of changes) {
      expect(change.batch_id).toMatch(UUID);
      expect(change).toMatchObject({ event_id: event.id, action: 'added', reason: '', created_by: t.operator.id });
      expect(change.created_at).toBe(changes[0]?.created_at);
    }
    expect(new Set(changes.map((change) => change.id)).size).toBe(changes.length);
    await closeEvent(t.http, t.operator.token, event);
  });

  it('an event without services or groups has an empty change history', async () => {
    const event = await createEvent(t.http, t.operator.token, incidentBody());
    expect(await getChanges(t.http, event.id)).toEqual([]);
    expect(event).toMatchObject({ service_ids: [], group_ids: [] });
    await closeEvent(t.http, t.operator.token, event);
  });

  it('an update with composition changes is one batch with its rows, reason and author, after the creation', async () => {
    const group = await createGroup(t.http, t.admin);
    const a = await createService(t.http, t.admin);
    const b = await createService(t.http, t.admin);
    const c = await createService(t.http, t.admin);
    const e = await createService(t.http, t.admin);
    const f = await createService(t.http, t.admin, { group_ids: [group.id] });
    // a is in the group too, but already in the event: add_groups skips it.
    const aInGroup = await t.http.patch(`/api/v1/services/${a.slug}`, {
      token: t.admin,
      body: { name: `Service ${a.slug}`, slug: a.slug, status: 'operational', group_ids: [group.id] },
    });
    expect(aInGroup.status, aInGroup.text).toBe(200);
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [on(a, 'major_outage'), on(b, 'degraded'), on(c, 'degraded')] }),
    );

    await addUpdate(t.http, t.admin, event.id, {
      status: 'identified',
      message: 'Scope changed',
      service_updates: [on(c, 'partial_outage')],
      add_services: [on(e, 'degraded')],
      add_groups: [{ group_id: group.id, status: 'maintenance' }],
      remove_service_ids: [b.id],
      reason: 'scope changed',
    });

    const changes = await getChanges(t.http, event.id);
    const list = batches(changes);
    expect(list).toHaveLength(2);
    expect(list[0]?.rows).toEqual(sorted(added('service', a), added('service', b), added('service', c)));
    expect(list[1]?.rows).toEqual(sorted(added('group', group), added('service', e), added('service', f), removed(b)));
    for (const change of list[1]?.all ?? []) {
      expect(change).toMatchObject({ event_id: event.id, reason: 'scope changed', created_by: t.adminId });
    }
    expect(list[0]?.all[0]?.batch_id).not.toBe(list[1]?.all[0]?.batch_id);
    // Oldest first.
    const times = changes.map((change) => Date.parse(change.created_at));
    expect(times).toEqual([...times].sort((x, y) => x - y));
    expect(Date.parse(list[1]?.all[0]?.created_at ?? '')).toBeGreaterThan(
      Date.parse(list[0]?.all[0]?.created_at ?? ''),
    );

    const detail = await getEvent(t.http, event.id);
    expect([...detail.service_ids].sort()).toEqual([a.id, c.id, e.id, f.id].sort());
    expect(detail.group_ids).toEqual([group.id]);
    // a kept its own status, the group's services got the group's.
    await expectServiceStatus(t.http, a, { status: 'operational', effective: 'major_outage', active: true });
    await expectServiceStatus(t.http, b, { status: 'operational', effective: 'operational', active: false });
    await expectServiceStatus(t.http, c, { status: 'operational', effective: 'partial_outage', active: true });
    await expectServiceStatus(t.http, e, { status: 'operational', effective: 'degraded', active: true });
    await expectServiceStatus(t.http, f, { status: 'operational', effective: 'maintenance', active: true });
    await closeEvent(t.http, t.operator.token, event);
  });

  it('updates without added or removed services add no rows', async () => {
    const a = await createService(t.http, t.admin);
    const event = await createEvent(t.http, t.operator.token, incidentBody({ affected_services: [on(a, 'degraded')] }));
    const before = await getChanges(t.http, event.id);
    expect(before).toHaveLength(1);
    await addUpdate(t.http, t.operator.token, event.id, { status: 'identified', message: 'Only a message' });
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'monitoring',
      message: 'A status change of a service already in',
      service_updates: [on(a, 'major_outage')],
      reason: 'worse',
    });
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'monitoring',
      message: 'Empty lists',
      service_updates: [],
      add_services: [],
      add_groups: [],
      remove_service_ids: [],
    });
    await closeEvent(t.http, t.operator.token, event);
    expect(await getChanges(t.http, event.id)).toEqual(before);
  });

  it('add_groups skips services already in the event and keeps their status', async () => {
    const group = await createGroup(t.http, t.admin);
    const inEvent = await createService(t.http, t.admin, { group_ids: [group.id] });
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [on(inEvent, 'major_outage')] }),
    );
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Whole group',
      add_groups: [{ group_id: group.id, status: 'degraded' }],
    });
    const list = batches(await getChanges(t.http, event.id));
    expect(list.map((batch) => batch.rows)).toEqual([[added('service', inEvent)], [added('group', group)]]);
    await expectServiceStatus(t.http, inEvent, { status: 'operational', effective: 'major_outage', active: true });
    expect(logSummary(await getStatusLog(t.http, t.admin, inEvent.slug))).toHaveLength(2);
    await closeEvent(t.http, t.operator.token, event);
  });

  it('an explicit added service wins over an added group; archived group members are left out', async () => {
    const group = await createGroup(t.http, t.admin);
    const explicit = await createService(t.http, t.admin, { group_ids: [group.id] });
    const member = await createService(t.http, t.admin, { group_ids: [group.id] });
    const archived = await createService(t.http, t.admin, { group_ids: [group.id] });
    expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
    const event = await createEvent(t.http, t.operator.token, incidentBody());
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Group and one service',
      add_groups: [{ group_id: group.id, status: 'major_outage' }],
      add_services: [on(explicit, 'degraded')],
    });
    expect(await serviceStatusesOf(event)).toEqual([explicit.id, member.id].sort());
    expect(batches(await getChanges(t.http, event.id)).map((batch) => batch.rows)).toEqual([
      sorted(added('group', group), added('service', explicit), added('service', member)),
    ]);
    await expectServiceStatus(t.http, explicit, { status: 'operational', effective: 'degraded', active: true });
    await expectServiceStatus(t.http, member, { status: 'operational', effective: 'major_outage', active: true });
    await closeEvent(t.http, t.operator.token, event);
  });

  it('a group selected at creation leaves out its archived services', async () => {
    const group = await createGroup(t.http, t.admin);
    const member = await createService(t.http, t.admin, { group_ids: [group.id] });
    const archived = await createService(t.http, t.admin, { group_ids: [group.id] });
    expect((await t.http.delete(`/api/v1/services/${archived.slug}`, { token: t.admin })).status).toBe(204);
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_groups: [{ group_id: group.id, status: 'degraded' }] }),
    );
    expect(event.service_ids).toEqual([member.id]);
    expect(batches(await getChanges(t.http, event.id)).map((batch) => batch.rows)).toEqual([
      sorted(added('group', group), added('service', member)),
    ]);
    await closeEvent(t.http, t.operator.token, event);
  });

  it('removing a service brings its effective status back and is logged for the event', async () => {
    const service = await createService(t.http, t.admin, { status: 'degraded' });
    const stays = await createService(t.http, t.admin);
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [on(service, 'major_outage'), on(stays, 'partial_outage')] }),
    );
    await expectServiceStatus(t.http, service, { status: 'degraded', effective: 'major_outage', active: true });
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Only one service after all',
      remove_service_ids: [service.id],
      reason: 'not affected',
    });
    await expectServiceStatus(t.http, service, { status: 'degraded', effective: 'degraded', active: false });
    await expectServiceStatus(t.http, stays, { status: 'operational', effective: 'partial_outage', active: true });
    const entries = await getStatusLog(t.http, t.operator.token, service.slug);
    expect(logSummary(entries)).toEqual([
      { old: null, new: 'degraded', source: 'manual', event: null },
      { old: 'degraded', new: 'major_outage', source: 'event', event: event.id },
      { old: 'major_outage', new: 'degraded', source: 'event', event: event.id },
    ]);
    expect(entries[0]).toMatchObject({ reason: 'not affected', created_by: t.operator.id });
    // The removed service is no longer part of the event, and closing it leaves that service alone.
    const serviceEvents = dataOf<{ events: WireEvent[] }>(await t.http.get(`/api/v1/services/${service.slug}/events`));
    expect(serviceEvents.events).toEqual([]);
    await closeEvent(t.http, t.operator.token, event);
    await expectServiceStatus(t.http, service, { status: 'degraded', effective: 'degraded', active: false });
    await expectServiceStatus(t.http, stays, { status: 'operational', effective: 'operational', active: false });
  });

  it('a removed service can be added again in a later update', async () => {
    const service = await createService(t.http, t.admin);
    const event = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [on(service, 'degraded')] }),
    );
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Out',
      remove_service_ids: [service.id],
    });
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'identified',
      message: 'Back in',
      add_services: [on(service, 'partial_outage')],
      reason: 'affected again',
    });
    const list = batches(await getChanges(t.http, event.id));
    expect(list.map((batch) => batch.rows)).toEqual([
      [added('service', service)],
      [removed(service)],
      [added('service', service)],
    ]);
    expect(list[1]?.all[0]?.reason).toBe('');
    expect(list[2]?.all[0]?.reason).toBe('affected again');
    await expectServiceStatus(t.http, service, { status: 'operational', effective: 'partial_outage', active: true });
    await closeEvent(t.http, t.operator.token, event);
    await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
  });

  it('removing every service leaves an event without services', async () => {
    const a = await createService(t.http, t.admin);
    const b = await createService(t.http, t.admin);
    const event = await createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({ status: 'in_progress', affected_services: [on(a, 'maintenance'), on(b, 'maintenance')] }),
    );
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'in_progress',
      message: 'Nothing affected',
      remove_service_ids: [a.id, b.id],
    });
    expect(await serviceStatusesOf(event)).toEqual([]);
    const list = batches(await getChanges(t.http, event.id));
    expect(list[1]?.rows).toEqual(sorted(removed(a), removed(b)));
    for (const service of [a, b]) {
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
    }
    await closeEvent(t.http, t.operator.token, event);
  });

  it('the closing update may change the composition in the same batch', async () => {
    const a = await createService(t.http, t.admin);
    const b = await createService(t.http, t.admin);
    const event = await createEvent(t.http, t.operator.token, incidentBody({ affected_services: [on(a, 'degraded')] }));
    await addUpdate(t.http, t.operator.token, event.id, {
      status: 'resolved',
      message: 'Resolved; b was affected too',
      add_services: [on(b, 'degraded')],
      reason: 'for the record',
    });
    const list = batches(await getChanges(t.http, event.id));
    expect(list.map((batch) => batch.rows)).toEqual([[added('service', a)], [added('service', b)]]);
    expect((await getEvent(t.http, event.id)).service_ids).toEqual([a.id, b.id]);
    for (const service of [a, b]) {
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
    }
  });
});
