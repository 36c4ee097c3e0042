import { describe, expect, it } from 'vitest';
import {
  dataOf,
  expectPlainError,
  expectStatusLogEntryShape,
  getService,
  type ServiceStatus,
  type WireService,
} from './support/catalog';
import {
  addUpdate,
  closeEvent,
  createEvent,
  expectServiceStatus,
  getEvent,
  getStatusLog,
  incidentBody,
  logSummary,
  maintenanceBody,
  type WireEvent,
} from './support/events';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

describe('events effective status', () => {
  const t = useApiFixture();

  const on = (service: { id: string }, status: ServiceStatus) => [{ service_id: service.id, status }];
  /** Opens an incident on one service with the given status. */
  const openOn = (service: { id: string }, status: ServiceStatus, extra: Record<string, unknown> = {}) =>
    createEvent(t.http, t.operator.token, incidentBody({ affected_services: on(service, status), ...extra }));
  const expectStatus = (
    service: { id: string; slug: string },
    status: ServiceStatus,
    effective: ServiceStatus,
    active: boolean,
    groups: readonly string[] = [],
  ) => expectServiceStatus(t.http, service, { status, effective, active }, groups);
  const log = async (service: { slug: string }) => logSummary(await getStatusLog(t.http, t.admin, service.slug));
  const created = { old: null, new: 'operational', source: 'manual', event: null };
  const byEvent = (old: ServiceStatus, next: ServiceStatus, event: { id: string }) => ({
    old,
    new: next,
    source: 'event',
    event: event.id,
  });
  const setStored = async (service: { slug: string }, status: ServiceStatus, reason: string) => {
    const current = await getService(t.http, service.slug);
    const response = await t.http.patch(`/api/v1/services/${service.slug}`, {
      token: t.admin,
      body: { name: current.name, slug: current.slug, status, reason },
    });
    expect(response.status, response.text).toBe(200);
    return response.body.data as WireService;
  };

  describe('overlapping events', () => {
    it('effective status is the worst active event; resolving the worst first steps down', async () => {
      const service = await createService(t.http, t.admin);
      await expectStatus(service, 'operational', 'operational', false);

      const degraded = await openOn(service, 'degraded');
      await expectStatus(service, 'operational', 'degraded', true);
      const major = await openOn(service, 'major_outage');
      await expectStatus(service, 'operational', 'major_outage', true);
      const partial = await openOn(service, 'partial_outage');
      await expectStatus(service, 'operational', 'major_outage', true);
      // A less severe event does not change the effective status: nothing is logged.
      expect(await log(service)).toEqual([
        created,
        byEvent('operational', 'degraded', degraded),
        byEvent('degraded', 'major_outage', major),
      ]);

      await closeEvent(t.http, t.operator.token, major);
      await expectStatus(service, 'operational', 'partial_outage', true);
      await closeEvent(t.http, t.operator.token, partial);
      await expectStatus(service, 'operational', 'degraded', true);
      await closeEvent(t.http, t.operator.token, degraded);
      await expectStatus(service, 'operational', 'operational', false);

      expect(await log(service)).toEqual([
        created,
        byEvent('operational', 'degraded', degraded),
        byEvent('degraded', 'major_outage', major),
        byEvent('major_outage', 'partial_outage', major),
        byEvent('partial_outage', 'degraded', partial),
        byEvent('degraded', 'operational', degraded),
      ]);
    });

    it('resolving the least severe first changes nothing until the worst one closes', async () => {
      const service = await createService(t.http, t.admin);
      const degraded = await openOn(service, 'degraded');
      const partial = await openOn(service, 'partial_outage');
      const major = await openOn(service, 'major_outage');
      await expectStatus(service, 'operational', 'major_outage', true);

      await closeEvent(t.http, t.operator.token, degraded);
      await expectStatus(service, 'operational', 'major_outage', true);
      await closeEvent(t.http, t.operator.token, partial);
      await expectStatus(service, 'operational', 'major_outage', true);
      await closeEvent(t.http, t.operator.token, major);
      await expectStatus(service, 'operational', 'operational', false);

      expect(await log(service)).toEqual([
        created,
        byEvent('operational', 'degraded', degraded),
        byEvent('degraded', 'partial_outage', partial),
        byEvent('partial_outage', 'major_outage', major),
        byEvent('major_outage', 'operational', major),
      ]);
    });

    it('stored status becomes operational only when the last active event closes', async () => {
      const service = await createService(t.http, t.admin, { status: 'degraded' });
      const first = await openOn(service, 'partial_outage');
      const second = await openOn(service, 'partial_outage');
      await expectStatus(service, 'degraded', 'partial_outage', true);
      await closeEvent(t.http, t.operator.token, first);
      await expectStatus(service, 'degraded', 'partial_outage', true);
      await closeEvent(t.http, t.operator.token, second);
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([
        { old: null, new: 'degraded', source: 'manual', event: null },
        byEvent('degraded', 'partial_outage', first),
        byEvent('partial_outage', 'operational', second),
      ]);
    });

    it('an active event decides the effective status even when the stored one is worse', async () => {
      const service = await createService(t.http, t.admin, { status: 'major_outage' });
      const event = await openOn(service, 'degraded');
      await expectStatus(service, 'major_outage', 'degraded', true);
      await closeEvent(t.http, t.operator.token, event);
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([
        { old: null, new: 'major_outage', source: 'manual', event: null },
        byEvent('major_outage', 'degraded', event),
        byEvent('degraded', 'operational', event),
      ]);
    });

    it('closing logs the stored change when the effective status stays the same', async () => {
      const service = await createService(t.http, t.admin, { status: 'degraded' });
      const event = await openOn(service, 'operational');
      await expectStatus(service, 'degraded', 'operational', true);
      await closeEvent(t.http, t.operator.token, event);
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([
        { old: null, new: 'degraded', source: 'manual', event: null },
        byEvent('degraded', 'operational', event),
        byEvent('degraded', 'operational', event),
      ]);
    });

    it('a service update inside an event moves the effective status both ways', async () => {
      const service = await createService(t.http, t.admin);
      const other = await openOn(service, 'degraded');
      const event = await openOn(service, 'partial_outage');
      await addUpdate(t.http, t.operator.token, event.id, {
        status: 'identified',
        message: 'Worse',
        service_updates: on(service, 'major_outage'),
      });
      await expectStatus(service, 'operational', 'major_outage', true);
      await addUpdate(t.http, t.operator.token, event.id, {
        status: 'monitoring',
        message: 'Better',
        service_updates: on(service, 'operational'),
      });
      // The other event is now the worst.
      await expectStatus(service, 'operational', 'degraded', true);
      await closeEvent(t.http, t.operator.token, other);
      await expectStatus(service, 'operational', 'operational', true);
      await closeEvent(t.http, t.operator.token, event);
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([
        created,
        byEvent('operational', 'degraded', other),
        byEvent('degraded', 'partial_outage', event),
        byEvent('partial_outage', 'major_outage', event),
        byEvent('major_outage', 'degraded', event),
        byEvent('degraded', 'operational', other),
      ]);
    });

    it('the status order is major_outage > partial_outage > degraded > maintenance > operational', async () => {
      const order: ServiceStatus[] = ['operational', 'maintenance', 'degraded', 'partial_outage', 'major_outage'];
      for (let low = 0; low < order.length; low++) {
        for (let high = low + 1; high < order.length; high++) {
          const lower = order[low] as ServiceStatus;
          const higher = order[high] as ServiceStatus;
          const service = await createService(t.http, t.admin);
          const events = [await openOn(service, higher), await openOn(service, lower)];
          const served = await getService(t.http, service.slug);
          expect(served.effective_status, `${higher} over ${lower}`).toBe(higher);
          for (const event of events) await closeEvent(t.http, t.operator.token, event);
        }
      }
    });
  });

  describe('manual changes', () => {
    it('a manual status change while an event is active changes the stored status only', async () => {
      const service = await createService(t.http, t.admin);
      const maintenance = await openOn(service, 'maintenance');
      const major = await openOn(service, 'major_outage');
      await closeEvent(t.http, t.operator.token, maintenance);
      await expectStatus(service, 'operational', 'major_outage', true);

      const patched = await setStored(service, 'partial_outage', 'set by hand');
      expect(patched).toMatchObject({
        status: 'partial_outage',
        effective_status: 'major_outage',
        has_active_events: true,
      });
      await expectStatus(service, 'partial_outage', 'major_outage', true);

      await closeEvent(t.http, t.operator.token, major);
      await expectStatus(service, 'operational', 'operational', false);

      const entries = await getStatusLog(t.http, t.admin, service.slug);
      for (const entry of entries) expectStatusLogEntryShape(entry);
      expect(logSummary(entries)).toEqual([
        created,
        byEvent('operational', 'maintenance', maintenance),
        byEvent('maintenance', 'major_outage', major),
        { old: 'operational', new: 'partial_outage', source: 'manual', event: null },
        byEvent('major_outage', 'operational', major),
      ]);
      expect(entries[1]).toMatchObject({ reason: 'set by hand', created_by: t.adminId });
    });
  });

  describe('status log entries', () => {
    it('entries carry the event, its reason and its author', async () => {
      const service = await createService(t.http, t.admin);
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ title: 'Database failover', affected_services: on(service, 'degraded') }),
      );
      await addUpdate(t.http, t.admin, event.id, {
        status: 'identified',
        message: 'Replica lag',
        service_updates: on(service, 'major_outage'),
        reason: 'replica down',
      });
      await addUpdate(t.http, t.operator.token, event.id, { status: 'resolved', message: 'Failover done' });

      const entries = await getStatusLog(t.http, t.operator.token, service.slug);
      for (const entry of entries) expectStatusLogEntryShape(entry);
      const [resolved, updated, opened] = entries;
      expect(opened).toMatchObject({
        service_id: service.id,
        old_status: 'operational',
        new_status: 'degraded',
        source_type: 'event',
        event_id: event.id,
        created_by: t.operator.id,
      });
      expect(opened?.reason).toContain('Database failover');
      expect(updated).toMatchObject({
        old_status: 'degraded',
        new_status: 'major_outage',
        source_type: 'event',
        event_id: event.id,
        reason: 'replica down',
        created_by: t.adminId,
      });
      expect(resolved).toMatchObject({
        old_status: 'major_outage',
        new_status: 'operational',
        source_type: 'event',
        event_id: event.id,
        created_by: t.operator.id,
      });
      expect(resolved?.reason).toContain('Failover done');
      expect(entries).toHaveLength(4);
    });

    it('an update that changes no effective status logs nothing', async () => {
      const service = await createService(t.http, t.admin);
      const event = await openOn(service, 'degraded');
      await addUpdate(t.http, t.operator.token, event.id, { status: 'identified', message: 'Found it' });
      await addUpdate(t.http, t.operator.token, event.id, {
        status: 'monitoring',
        message: 'Same status',
        service_updates: on(service, 'degraded'),
      });
      expect(await log(service)).toEqual([created, byEvent('operational', 'degraded', event)]);
      await closeEvent(t.http, t.operator.token, event);
    });
  });

  describe('scheduled maintenance', () => {
    it('a scheduled maintenance counts only once in progress, and no longer once completed', async () => {
      const service = await createService(t.http, t.admin);
      const maintenance = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({
          scheduled_start_at: new Date(Date.now() + 3_600_000).toISOString(),
          scheduled_end_at: new Date(Date.now() + 7_200_000).toISOString(),
          affected_services: on(service, 'maintenance'),
        }),
      );
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([created]);

      await addUpdate(t.http, t.operator.token, maintenance.id, { status: 'in_progress', message: 'Starting' });
      await expectStatus(service, 'operational', 'maintenance', true);

      // An incident during the maintenance is worse; when it resolves the maintenance shows again.
      const incident = await openOn(service, 'degraded');
      await expectStatus(service, 'operational', 'degraded', true);
      await closeEvent(t.http, t.operator.token, incident);
      await expectStatus(service, 'operational', 'maintenance', true);

      await closeEvent(t.http, t.operator.token, maintenance);
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([
        created,
        byEvent('operational', 'maintenance', maintenance),
        byEvent('maintenance', 'degraded', incident),
        byEvent('degraded', 'maintenance', incident),
        byEvent('maintenance', 'operational', maintenance),
      ]);
    });

    it('a maintenance in progress applies whatever status it gives', async () => {
      const service = await createService(t.http, t.admin);
      const maintenance = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ affected_services: on(service, 'partial_outage') }),
      );
      await expectStatus(service, 'operational', 'operational', false);
      await addUpdate(t.http, t.operator.token, maintenance.id, { status: 'in_progress', message: 'Go' });
      await expectStatus(service, 'operational', 'partial_outage', true);
      await closeEvent(t.http, t.operator.token, maintenance);
      await expectStatus(service, 'operational', 'operational', false);
    });

    it('a scheduled maintenance is no other active event when an incident closes', async () => {
      const service = await createService(t.http, t.admin, { status: 'partial_outage' });
      const maintenance = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ affected_services: on(service, 'maintenance') }),
      );
      const incident = await openOn(service, 'degraded');
      await expectStatus(service, 'partial_outage', 'degraded', true);
      await closeEvent(t.http, t.operator.token, incident);
      await expectStatus(service, 'operational', 'operational', false);
      await addUpdate(t.http, t.operator.token, maintenance.id, { status: 'in_progress', message: 'Go' });
      await expectStatus(service, 'operational', 'maintenance', true);
      await closeEvent(t.http, t.operator.token, maintenance);
      expect(await log(service)).toEqual([
        { old: null, new: 'partial_outage', source: 'manual', event: null },
        byEvent('partial_outage', 'degraded', incident),
        byEvent('degraded', 'operational', incident),
        byEvent('operational', 'maintenance', maintenance),
        byEvent('maintenance', 'operational', maintenance),
      ]);
    });

    it('a maintenance created in progress counts at once', async () => {
      const service = await createService(t.http, t.admin, { status: 'degraded' });
      const maintenance = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ status: 'in_progress', affected_services: on(service, 'maintenance') }),
      );
      await expectStatus(service, 'degraded', 'maintenance', true);
      await closeEvent(t.http, t.operator.token, maintenance);
      await expectStatus(service, 'operational', 'operational', false);
      expect(await log(service)).toEqual([
        { old: null, new: 'degraded', source: 'manual', event: null },
        byEvent('degraded', 'maintenance', maintenance),
        byEvent('maintenance', 'operational', maintenance),
      ]);
    });
  });

  describe('groups', () => {
    it('a group gives its status to every service; an explicit status wins; two groups give the worse', async () => {
      const first = await createGroup(t.http, t.admin);
      const second = await createGroup(t.http, t.admin);
      const onlyFirst = await createService(t.http, t.admin, { group_ids: [first.id] });
      const both = await createService(t.http, t.admin, { group_ids: [first.id, second.id] });
      const explicit = await createService(t.http, t.admin, { group_ids: [first.id, second.id] });
      const onlySecond = await createService(t.http, t.admin, { group_ids: [second.id] });
      const outside = await createService(t.http, t.admin);

      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({
          affected_groups: [
            { group_id: first.id, status: 'degraded' },
            { group_id: second.id, status: 'major_outage' },
          ],
          // Explicitly better than both groups: the explicit status still wins.
          affected_services: on(explicit, 'maintenance'),
        }),
      );
      expect([...event.service_ids].sort()).toEqual([onlyFirst.id, both.id, explicit.id, onlySecond.id].sort());
      expect([...event.group_ids].sort()).toEqual([first.id, second.id].sort());

      await expectStatus(onlyFirst, 'operational', 'degraded', true, [first.id]);
      await expectStatus(both, 'operational', 'major_outage', true, [first.id, second.id]);
      await expectStatus(explicit, 'operational', 'maintenance', true, [first.id, second.id]);
      await expectStatus(onlySecond, 'operational', 'major_outage', true, [second.id]);
      await expectStatus(outside, 'operational', 'operational', false);

      // The group list itself is unchanged by events.
      const groups = dataOf<{ id: string; service_ids: string[] }[]>(await t.http.get('/api/v1/groups'));
      expect(groups.find((group) => group.id === first.id)?.service_ids.sort()).toEqual(
        [onlyFirst.id, both.id, explicit.id].sort(),
      );

      await closeEvent(t.http, t.operator.token, event);
      for (const service of [onlyFirst, both, explicit, onlySecond]) {
        await expectStatus(service, 'operational', 'operational', false);
      }
      expect(await log(both)).toEqual([
        created,
        byEvent('operational', 'major_outage', event),
        byEvent('major_outage', 'operational', event),
      ]);
      expect(await log(outside)).toEqual([created]);
    });

    it('a group is expanded when the event is created: later members are not in it', async () => {
      const group = await createGroup(t.http, t.admin);
      const early = await createService(t.http, t.admin, { group_ids: [group.id] });
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_groups: [{ group_id: group.id, status: 'partial_outage' }] }),
      );
      const late = await createService(t.http, t.admin, { group_ids: [group.id] });
      await expectStatus(early, 'operational', 'partial_outage', true, [group.id]);
      await expectStatus(late, 'operational', 'operational', false, [group.id]);
      expect((await getEvent(t.http, event.id)).service_ids).toEqual([early.id]);
      await closeEvent(t.http, t.operator.token, event);
    });
  });

  describe('archiving', () => {
    const archiveService = (slug: string) => t.http.delete(`/api/v1/services/${slug}`, { token: t.admin });
    const archiveGroup = (slug: string) => t.http.delete(`/api/v1/groups/${slug}`, { token: t.admin });

    it('a service in an active event cannot be archived until the event closes', async () => {
      const service = await createService(t.http, t.admin);
      const event = await openOn(service, 'degraded');
      const refused = await archiveService(service.slug);
      expectPlainError(refused, 409);
      expect(refused.body.error.message).toContain('active event');
      expect((await getService(t.http, service.slug)).archived_at).toBeNull();

      await closeEvent(t.http, t.operator.token, event);
      expect((await archiveService(service.slug)).status).toBe(204);
      expect((await getService(t.http, service.slug)).archived_at).not.toBeNull();
    });

    it('a service added by an update blocks archiving; removing it from the event unblocks', async () => {
      const service = await createService(t.http, t.admin);
      const event = await createEvent(t.http, t.operator.token, incidentBody());
      await addUpdate(t.http, t.operator.token, event.id, {
        status: 'identified',
        message: 'Also affected',
        add_services: on(service, 'degraded'),
      });
      expectPlainError(await archiveService(service.slug), 409);
      await addUpdate(t.http, t.operator.token, event.id, {
        status: 'identified',
        message: 'Not affected after all',
        remove_service_ids: [service.id],
      });
      expect((await archiveService(service.slug)).status).toBe(204);
      await closeEvent(t.http, t.operator.token, event);
    });

    it('a maintenance blocks archiving only while in progress', async () => {
      const scheduled = await createService(t.http, t.admin);
      const running = await createService(t.http, t.admin);
      await createEvent(t.http, t.operator.token, maintenanceBody({ affected_services: on(scheduled, 'maintenance') }));
      const inProgress = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ status: 'in_progress', affected_services: on(running, 'maintenance') }),
      );
      expect((await archiveService(scheduled.slug)).status).toBe(204);
      expectPlainError(await archiveService(running.slug), 409);
      await closeEvent(t.http, t.operator.token, inProgress);
      expect((await archiveService(running.slug)).status).toBe(204);
    });

    it('a group with a service in an active event cannot be archived until the event closes', async () => {
      const group = await createGroup(t.http, t.admin);
      const service = await createService(t.http, t.admin, { group_ids: [group.id] });
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_groups: [{ group_id: group.id, status: 'degraded' }] }),
      );
      const refused = await archiveGroup(group.slug);
      expectPlainError(refused, 409);
      expect(refused.body.error.message).toContain('active event');
      expectPlainError(await archiveService(service.slug), 409);

      await closeEvent(t.http, t.operator.token, event);
      // The group still has a service (the contract's other 409), but no longer an active event.
      const stillMembers = await archiveGroup(group.slug);
      expectPlainError(stillMembers, 409);
      expect(stillMembers.body.error.message).not.toContain('active event');
      expect((await archiveService(service.slug)).status).toBe(204);
      expect((await archiveGroup(group.slug)).status).toBe(204);
    });

    it('a group whose service is in an active event of its own cannot be archived either', async () => {
      const group = await createGroup(t.http, t.admin);
      const service = await createService(t.http, t.admin, { group_ids: [group.id] });
      const event = await openOn(service, 'partial_outage');
      const refused = await archiveGroup(group.slug);
      expectPlainError(refused, 409);
      expect(refused.body.error.message).toContain('active event');
      await closeEvent(t.http, t.operator.token, event);
    });

    it('archiving while events are opened or extended never leaves an archived service in an active event', async () => {
      for (let round = 0; round < 15; round++) {
        const group = await createGroup(t.http, t.admin);
        const service = await createService(t.http, t.admin, { group_ids: [group.id] });
        const open = await createEvent(t.http, t.operator.token, incidentBody());
        const [archived, explicit, viaGroup, extended] = await Promise.all([
          archiveService(service.slug),
          t.http.post('/api/v1/events', {
            token: t.operator.token,
            body: incidentBody({ affected_services: on(service, 'degraded') }),
          }),
          t.http.post('/api/v1/events', {
            token: t.operator.token,
            body: incidentBody({ affected_groups: [{ group_id: group.id, status: 'degraded' }] }),
          }),
          t.http.post(`/api/v1/events/${open.id}/updates`, {
            token: t.operator.token,
            body: { status: 'identified', message: 'More', add_services: on(service, 'degraded') },
          }),
        ]);
        const served = await getService(t.http, service.slug);
        if (archived.status === 204) {
          expect(served.archived_at).not.toBeNull();
          expect(served.has_active_events).toBe(false);
          for (const response of [explicit, extended]) {
            if (response.status !== 201) expect(response.status, response.text).toBe(400);
          }
          const grouped = dataOf<WireEvent>(viaGroup, 201);
          expect(grouped.service_ids).not.toContain(service.id);
          expect(explicit.status === 201 || extended.status === 201, 'archived first, then used').toBe(false);
        } else {
          expectPlainError(archived, 409);
          expect(served.archived_at).toBeNull();
          expect(served.has_active_events).toBe(true);
        }
        for (const response of [explicit, viaGroup]) {
          if (response.status === 201) await closeEvent(t.http, t.operator.token, response.body.data as WireEvent);
        }
        await closeEvent(t.http, t.operator.token, open);
      }
    });

    it('an archived service keeps showing in the events it was part of', async () => {
      const service = await createService(t.http, t.admin);
      const event = await openOn(service, 'degraded');
      await closeEvent(t.http, t.operator.token, event);
      expect((await archiveService(service.slug)).status).toBe(204);
      expect((await getEvent(t.http, event.id)).service_ids).toEqual([service.id]);
      const events = dataOf<{ events: WireEvent[] }>(await t.http.get(`/api/v1/services/${service.slug}/events`));
      expect(events.events.map((item) => item.id)).toEqual([event.id]);
    });
  });
});
