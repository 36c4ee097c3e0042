import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { unique } from './support/api';
import {
  dataOf,
  expectPlainError,
  expectServiceShape,
  expectStatusLogEntryShape,
  expectValidationError,
  getService,
  onlyIds,
  type WireService,
} from './support/catalog';
import type { HttpResult } from './support/client';
import {
  addUpdate,
  closeEvent,
  createEvent,
  expectEventShape,
  expectServiceStatus,
  getChanges,
  getEvent,
  getStatusLog,
  getUpdates,
  incidentBody,
  logSummary,
  maintenanceBody,
  type WireEvent,
  type WireEventDetail,
} from './support/events';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const minutesAhead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

/** The message of the detail naming `field` in a 400 body. */
function detailMessage(response: HttpResult, field: string): string {
  const details = response.body.error.details as { field: string; message: string }[];
  return details.find((detail) => detail.field === field)?.message ?? '';
}

describe('events', () => {
  const t = useApiFixture();

  const listEvents = async (query = '') => {
    const events = dataOf<WireEvent[]>(await t.http.get(`/api/v1/events${query}`));
    for (const event of events) expectEventShape(event);
    return events;
  };
  const eventsTitled = async (title: string) => (await listEvents()).filter((event) => event.title === title);
  const archive = async (kind: 'services' | 'groups', slug: string) => {
    const response = await t.http.delete(`/api/v1/${kind}/${slug}`, { token: t.admin });
    expect(response.status, response.text).toBe(204);
  };

  describe('create', () => {
    it('create opens an incident: 201 with the contract shape, its services and the author', async () => {
      const service = await createService(t.http, t.admin);
      const before = Date.now();
      const body = incidentBody({
        severity: 'major',
        description: 'Checkout fails for some cards',
        affected_services: [{ service_id: service.id, status: 'partial_outage' }],
      });
      const response = await t.http.post('/api/v1/events', { token: t.operator.token, body });
      const event = dataOf<WireEvent>(response, 201);
      expectEventShape(event);
      expect(event).toMatchObject({
        title: body.title,
        type: 'incident',
        status: 'investigating',
        severity: 'major',
        description: 'Checkout fails for some cards',
        resolved_at: null,
        scheduled_start_at: null,
        scheduled_end_at: null,
        notify_subscribers: false,
        template_id: null,
        created_by: t.operator.id,
        service_ids: [service.id],
        group_ids: [],
      });
      expect(response.headers.get('content-type')).toContain('application/json');
      for (const stamp of [event.started_at, event.created_at, event.updated_at]) {
        expect(Date.parse(stamp as string)).toBeGreaterThanOrEqual(before - 5_000);
        expect(Date.parse(stamp as string)).toBeLessThanOrEqual(Date.now() + 5_000);
      }
      const { updates, ...stored } = await getEvent(t.http, event.id);
      expect(stored).toEqual(event);
      expect(updates).toHaveLength(1);
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'partial_outage', active: true });
    });

    it('create writes the first timeline entry from the description', async () => {
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ description: 'We are looking into it', notify_subscribers: true }),
      );
      const detail = await getEvent(t.http, event.id);
      expect(detail.updates).toHaveLength(1);
      expect(detail.updates[0]).toMatchObject({
        event_id: event.id,
        status: 'investigating',
        message: 'We are looking into it',
        notify_subscribers: true,
        created_by: t.operator.id,
      });
      expect(await getUpdates(t.http, event.id)).toEqual(detail.updates);
    });

    it('create writes the title as the first timeline entry when the description is empty', async () => {
      const body = incidentBody({ description: '' });
      const event = await createEvent(t.http, t.operator.token, body);
      const updates = await getUpdates(t.http, event.id);
      expect(updates.map((update) => update.message)).toEqual([body.title]);
      expect(event.description).toBe('');
    });

    it('create stores a scheduled maintenance with its window, unstarted', async () => {
      const service = await createService(t.http, t.admin);
      const group = await createGroup(t.http, t.admin);
      const start = new Date(Date.now() + 86_400_000);
      const end = new Date(start.getTime() + 2 * 3_600_000);
      const body = maintenanceBody({
        // An offset is accepted and served back in UTC.
        scheduled_start_at: start.toISOString().replace('Z', '+00:00'),
        scheduled_end_at: end.toISOString(),
        notify_subscribers: true,
        affected_services: [{ service_id: service.id, status: 'maintenance' }],
        affected_groups: [{ group_id: group.id, status: 'maintenance' }],
      });
      const event = await createEvent(t.http, t.admin, body);
      expect(event).toMatchObject({
        type: 'maintenance',
        status: 'scheduled',
        severity: null,
        started_at: null,
        resolved_at: null,
        scheduled_start_at: start.toISOString(),
        scheduled_end_at: end.toISOString(),
        notify_subscribers: true,
        created_by: t.adminId,
        service_ids: [service.id],
        group_ids: [group.id],
      });
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
      expect(await getStatusLog(t.http, t.admin, service.slug)).toHaveLength(1);
    });

    it('create converts timestamps with an offset to UTC', async () => {
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ started_at: '2024-03-01T12:30:00+02:00', resolved_at: '2024-03-01T14:00:00.500+02:00' }),
      );
      expect(event.started_at).toBe('2024-03-01T10:30:00.000Z');
      expect(event.resolved_at).toBe('2024-03-01T12:00:00.500Z');
    });

    it('create stores the template the event was opened from', async () => {
      const template = dataOf<{ id: string }>(
        await t.http.post('/api/v1/templates', {
          token: t.admin,
          body: {
            slug: unique('tpl'),
            type: 'incident',
            title_template: '{{.ServiceName}} is down',
            body_template: 'We are investigating {{.ServiceName}}.',
          },
        }),
        201,
      );
      const event = await createEvent(t.http, t.operator.token, incidentBody({ template_id: template.id }));
      expect(event.template_id).toBe(template.id);
      expect((await getEvent(t.http, event.id)).template_id).toBe(template.id);
    });

    it('create accepts a maintenance with a severity and an incident in any open status', async () => {
      const maintenance = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ status: 'in_progress', severity: 'minor' }),
      );
      expect(maintenance).toMatchObject({ status: 'in_progress', severity: 'minor' });
      expect(maintenance.started_at).not.toBeNull();
      for (const status of ['identified', 'monitoring'] as const) {
        const event = await createEvent(t.http, t.operator.token, incidentBody({ status, severity: 'critical' }));
        expect(event).toMatchObject({ status, severity: 'critical' });
      }
    });

    describe('validation', () => {
      let service: WireService;
      let archivedService: { id: string; slug: string };
      let group: { id: string };
      let archivedGroup: { id: string; slug: string };
      beforeAll(async () => {
        service = await getService(t.http, (await createService(t.http, t.admin)).slug);
        archivedService = await createService(t.http, t.admin);
        await archive('services', archivedService.slug);
        group = await createGroup(t.http, t.admin);
        archivedGroup = await createGroup(t.http, t.admin);
        await archive('groups', archivedGroup.slug);
      });

      type Context = { service: string; archivedService: string; group: string; archivedGroup: string };
      const ghost = randomUUID();
      const affected = (id: string, status = 'degraded') => [{ service_id: id, status }];
      const cases: [string, (c: Context) => Record<string, unknown>, string, ((c: Context) => string)?][] = [
        ['a missing title', () => ({ title: undefined }), 'title'],
        ['an empty title', () => ({ title: '' }), 'title'],
        ['a blank title', () => ({ title: '   ' }), 'title'],
        ['a title that is not a string', () => ({ title: 42 }), 'title'],
        ['a missing type', () => ({ type: undefined }), 'type'],
        ['an unknown type', () => ({ type: 'outage' }), 'type'],
        ['a missing status', () => ({ status: undefined }), 'status'],
        ['an unknown status', () => ({ status: 'broken' }), 'status'],
        ['a maintenance status on an incident', () => ({ status: 'scheduled' }), 'status'],
        ['an incident status on a maintenance', () => ({ type: 'maintenance', status: 'investigating' }), 'status'],
        ['an incident without severity', () => ({ severity: undefined }), 'severity'],
        ['an unknown severity', () => ({ severity: 'huge' }), 'severity'],
        ['a missing description', () => ({ description: undefined }), 'description'],
        ['a description that is not a string', () => ({ description: 5 }), 'description'],
        ['a started_at that is not a timestamp', () => ({ started_at: 'yesterday' }), 'started_at'],
        ['a resolved_at that is not a timestamp', () => ({ resolved_at: '2024-13-45' }), 'resolved_at'],
        ['a scheduled_start_at on an incident', () => ({ scheduled_start_at: minutesAhead(60) }), 'scheduled_start_at'],
        ['a scheduled_end_at on an incident', () => ({ scheduled_end_at: minutesAhead(60) }), 'scheduled_end_at'],
        [
          'a scheduled_end_at before scheduled_start_at',
          () => ({
            type: 'maintenance',
            status: 'scheduled',
            scheduled_start_at: minutesAhead(120),
            scheduled_end_at: minutesAhead(60),
          }),
          'scheduled_end_at',
        ],
        [
          'a scheduled_end_at equal to scheduled_start_at',
          () => {
            const at = minutesAhead(60);
            return { type: 'maintenance', status: 'scheduled', scheduled_start_at: at, scheduled_end_at: at };
          },
          'scheduled_end_at',
        ],
        ['a resolved_at without started_at', () => ({ resolved_at: minutesAgo(5) }), 'started_at'],
        [
          'a resolved_at before started_at',
          () => ({ started_at: minutesAgo(5), resolved_at: minutesAgo(10) }),
          'resolved_at',
        ],
        [
          'a resolved_at in the future',
          () => ({ started_at: minutesAgo(10), resolved_at: minutesAhead(60) }),
          'resolved_at',
        ],
        ['notify_subscribers as a string', () => ({ notify_subscribers: 'true' }), 'notify_subscribers'],
        ['affected_services that is not an array', () => ({ affected_services: {} }), 'affected_services'],
        [
          'an affected service without status',
          (c) => ({ affected_services: [{ service_id: c.service }] }),
          'affected_services.0.status',
        ],
        [
          'an affected service with an unknown status',
          (c) => ({ affected_services: affected(c.service, 'down') }),
          'affected_services.0.status',
        ],
        [
          'an affected service id that is not a uuid',
          () => ({ affected_services: affected('billing') }),
          'affected_services.0.service_id',
        ],
        [
          'an unknown field in an affected service',
          (c) => ({ affected_services: [{ service_id: c.service, status: 'degraded', note: 'x' }] }),
          'affected_services.0.note',
        ],
        [
          'an affected group id that is not a uuid',
          () => ({ affected_groups: [{ group_id: 'core', status: 'degraded' }] }),
          'affected_groups.0.group_id',
        ],
        ['an unknown field', () => ({ colour: 'red' }), 'colour'],
        ['an unknown template id', () => ({ template_id: ghost }), 'template_id', () => ghost],
        [
          'a service listed twice',
          (c) => ({ affected_services: [...affected(c.service), ...affected(c.service, 'major_outage')] }),
          'affected_services',
          (c) => c.service,
        ],
        [
          'a group listed twice',
          (c) => ({
            affected_groups: [
              { group_id: c.group, status: 'degraded' },
              { group_id: c.group, status: 'degraded' },
            ],
          }),
          'affected_groups',
          (c) => c.group,
        ],
        ['an unknown service id', () => ({ affected_services: affected(ghost) }), 'affected_services', () => ghost],
        [
          'an archived service',
          (c) => ({ affected_services: affected(c.archivedService) }),
          'affected_services',
          (c) => c.archivedService,
        ],
        [
          'an unknown group id',
          () => ({ affected_groups: [{ group_id: ghost, status: 'degraded' }] }),
          'affected_groups',
          () => ghost,
        ],
        [
          'an archived group',
          (c) => ({ affected_groups: [{ group_id: c.archivedGroup, status: 'degraded' }] }),
          'affected_groups',
          (c) => c.archivedGroup,
        ],
      ];

      it.each(cases)('create answers 400 for %s and changes nothing', async (_case, build, field, idOf) => {
        const context: Context = {
          service: service.id,
          archivedService: archivedService.id,
          group: group.id,
          archivedGroup: archivedGroup.id,
        };
        const title = `Invalid ${unique('ev')}`;
        const body: Record<string, unknown> = incidentBody({
          title,
          affected_services: affected(service.id),
          ...build(context),
        });
        const response = await t.http.post('/api/v1/events', { token: t.operator.token, body });
        expectValidationError(response, field);
        if (idOf) {
          expect(detailMessage(response, field)).toContain(idOf(context));
          expect(response.body.error.message).toContain(idOf(context));
        }
        expect(await eventsTitled(title)).toEqual([]);
        await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
        expect(await getStatusLog(t.http, t.admin, service.slug)).toHaveLength(1);
      });

      it('create answers 400 for a malformed JSON body and changes nothing', async () => {
        const title = `Broken ${unique('ev')}`;
        const response = await t.http.post('/api/v1/events', {
          token: t.operator.token,
          raw: `{"title": "${title}", "type": "incident", "status": "investigating", "severity": "minor",`,
        });
        expect(response.status, response.text).toBe(400);
        expect(Object.keys(response.body)).toEqual(['error']);
        expect(response.body.error.message).toBeTypeOf('string');
        expect(await eventsTitled(title)).toEqual([]);
      });

      it('create answers 400 for a JSON body that is not an object', async () => {
        for (const raw of ['["incident"]', '"incident"', 'null']) {
          const response = await t.http.post('/api/v1/events', { token: t.operator.token, raw });
          expect(response.status, `${raw}: ${response.text}`).toBe(400);
          expect(Object.keys(response.body)).toEqual(['error']);
        }
      });
    });

    it('create requires the operator role and checks it before the body', async () => {
      for (const [token, status] of [
        [undefined, 401],
        ['not-a-token', 401],
        [t.user.token, 403],
      ] as const) {
        const title = `Denied ${unique('ev')}`;
        expectPlainError(await t.http.post('/api/v1/events', { token, body: incidentBody({ title }) }), status);
        expectPlainError(await t.http.post('/api/v1/events', { token, body: { title: 7 } }), status);
        expect(await eventsTitled(title)).toEqual([]);
      }
      const byOperator = await createEvent(t.http, t.operator.token, incidentBody());
      const byAdmin = await createEvent(t.http, t.admin, incidentBody());
      expect([byOperator.created_by, byAdmin.created_by]).toEqual([t.operator.id, t.adminId]);
    });
  });

  describe('get and list', () => {
    it('get serves the event with its timeline newest first, anonymously', async () => {
      const event = await createEvent(t.http, t.operator.token, incidentBody({ description: 'first' }));
      await addUpdate(t.http, t.operator.token, event.id, { status: 'identified', message: 'second' });
      const third = await addUpdate(t.http, t.admin, event.id, { status: 'monitoring', message: 'third' });
      const response = await t.http.get(`/api/v1/events/${event.id}`);
      const detail = dataOf<WireEventDetail>(response);
      expectEventShape(detail, { detail: true });
      expect(detail.status).toBe('monitoring');
      expect(detail.updates.map((update) => [update.status, update.message, update.created_by])).toEqual([
        ['monitoring', 'third', t.adminId],
        ['identified', 'second', t.operator.id],
        ['investigating', 'first', t.operator.id],
      ]);
      expect(detail.updates[0]).toEqual(third);
      expect(Date.parse(detail.updated_at)).toBeGreaterThanOrEqual(Date.parse(event.updated_at));
      expect(detail.created_at).toBe(event.created_at);
    });

    it('get, updates and changes answer 404 for an unknown id', async () => {
      const id = randomUUID();
      for (const path of [`/api/v1/events/${id}`, `/api/v1/events/${id}/updates`, `/api/v1/events/${id}/changes`]) {
        expectPlainError(await t.http.get(path), 404);
      }
    });

    it('get, updates and changes answer 404 for an id that is not a uuid (an event that cannot exist)', async () => {
      for (const path of ['/api/v1/events/not-a-uuid', '/api/v1/events/123/updates', '/api/v1/events/x/changes']) {
        expectPlainError(await t.http.get(path), 404);
      }
    });

    it('list serves events in the contract shape, newest first, anonymously', async () => {
      const first = await createEvent(t.http, t.operator.token, incidentBody());
      const second = await createEvent(t.http, t.operator.token, maintenanceBody());
      const events = await listEvents();
      expect(onlyIds(events, [first.id, second.id])).toEqual([second.id, first.id]);
      expect(events.find((event) => event.id === first.id)).toEqual(first);
      const times = events.map((event) => Date.parse(event.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('list filters by type and by status, alone and combined', async () => {
      const investigating = await createEvent(t.http, t.operator.token, incidentBody());
      const resolved = await createEvent(t.http, t.operator.token, incidentBody());
      await closeEvent(t.http, t.operator.token, resolved);
      const scheduled = await createEvent(t.http, t.operator.token, maintenanceBody());
      const inProgress = await createEvent(t.http, t.operator.token, maintenanceBody({ status: 'in_progress' }));
      const mine = [investigating.id, resolved.id, scheduled.id, inProgress.id];

      const incidents = await listEvents('?type=incident');
      expect(incidents.every((event) => event.type === 'incident')).toBe(true);
      expect(onlyIds(incidents, mine).sort()).toEqual([investigating.id, resolved.id].sort());

      const maintenance = await listEvents('?type=maintenance');
      expect(maintenance.every((event) => event.type === 'maintenance')).toBe(true);
      expect(onlyIds(maintenance, mine).sort()).toEqual([scheduled.id, inProgress.id].sort());

      const resolvedOnes = await listEvents('?status=resolved');
      expect(resolvedOnes.every((event) => event.status === 'resolved')).toBe(true);
      expect(onlyIds(resolvedOnes, mine)).toEqual([resolved.id]);

      const scheduledMaintenance = await listEvents('?type=maintenance&status=scheduled');
      expect(scheduledMaintenance.every((event) => event.status === 'scheduled')).toBe(true);
      expect(onlyIds(scheduledMaintenance, mine)).toEqual([scheduled.id]);

      expect(onlyIds(await listEvents('?type=incident&status=scheduled'), mine)).toEqual([]);
      expect(onlyIds(await listEvents('?status=in_progress&cache=1'), mine)).toEqual([inProgress.id]);
    });

    it('list answers one page with limit and offset, newest first', async () => {
      for (let i = 0; i < 4; i++) await createEvent(t.http, t.operator.token, incidentBody());
      const firstThree = await listEvents('?limit=3');
      expect(firstThree).toHaveLength(3);
      const page = await listEvents('?limit=2&offset=1');
      expect(page).toHaveLength(2);
      // Other files add events meanwhile (at the head): the page is still a run of the full list, after its first.
      const all = (await listEvents()).map((event) => event.id);
      const at = all.indexOf(page[0]?.id ?? '');
      expect(at).toBeGreaterThanOrEqual(1);
      expect(all.slice(at, at + 2)).toEqual(page.map((event) => event.id));
      expect(all.length).toBeGreaterThan(3);
    });

    it.each([
      ['?limit=0', 'limit'],
      ['?limit=101', 'limit'],
      ['?limit=ten', 'limit'],
      ['?offset=-1', 'offset'],
    ])('list answers 400 for %s', async (query, field) => {
      expectValidationError(await t.http.get(`/api/v1/events${query}`), field);
    });

    it.each([
      ['?type=outage', 'type'],
      ['?status=open', 'status'],
      ['?type=incident&status=active', 'status'],
    ])('list answers 400 for %s', async (query, field) => {
      expectValidationError(await t.http.get(`/api/v1/events${query}`), field);
    });
  });

  describe('updates', () => {
    it('add update answers 201 with the entry and moves the event to its status', async () => {
      const event = await createEvent(t.http, t.operator.token, incidentBody());
      const before = Date.now();
      const response = await t.http.post(`/api/v1/events/${event.id}/updates`, {
        token: t.operator.token,
        body: { status: 'identified', message: 'Root cause found', notify_subscribers: true },
      });
      const update = dataOf<WireEventDetail['updates'][number]>(response, 201);
      expect(update).toMatchObject({
        event_id: event.id,
        status: 'identified',
        message: 'Root cause found',
        notify_subscribers: true,
        created_by: t.operator.id,
      });
      expect(Date.parse(update.created_at)).toBeGreaterThanOrEqual(before - 5_000);
      const detail = await getEvent(t.http, event.id);
      expect(detail.status).toBe('identified');
      expect(detail.resolved_at).toBeNull();
      expect(detail.started_at).toBe(event.started_at);
      expect(detail.updates[0]).toEqual(update);
      const updates = await getUpdates(t.http, event.id);
      expect(updates).toEqual(detail.updates);
      expect(updates).toHaveLength(2);
      const times = updates.map((entry) => Date.parse(entry.created_at));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('add update with notify_subscribers omitted stores false', async () => {
      const event = await createEvent(t.http, t.operator.token, incidentBody({ notify_subscribers: true }));
      const update = await addUpdate(t.http, t.operator.token, event.id, { status: 'monitoring', message: 'quiet' });
      expect(update.notify_subscribers).toBe(false);
    });

    it('add update may keep the status (a plain timeline entry)', async () => {
      const event = await createEvent(t.http, t.operator.token, incidentBody());
      await addUpdate(t.http, t.operator.token, event.id, { status: 'investigating', message: 'Still looking' });
      expect((await getEvent(t.http, event.id)).status).toBe('investigating');
      expect((await getUpdates(t.http, event.id)).map((update) => update.message)).toEqual([
        'Still looking',
        'Something is wrong',
      ]);
    });

    it('resolving sets resolved_at; completing a maintenance sets it and starts a scheduled one', async () => {
      const incident = await createEvent(t.http, t.operator.token, incidentBody());
      const before = Date.now();
      await closeEvent(t.http, t.operator.token, incident, 'Fixed');
      const resolved = await getEvent(t.http, incident.id);
      expect(resolved.status).toBe('resolved');
      expect(Date.parse(resolved.resolved_at as string)).toBeGreaterThanOrEqual(before - 5_000);

      const maintenance = await createEvent(t.http, t.operator.token, maintenanceBody());
      expect(maintenance.started_at).toBeNull();
      await addUpdate(t.http, t.operator.token, maintenance.id, { status: 'in_progress', message: 'Started' });
      const started = await getEvent(t.http, maintenance.id);
      expect(started.status).toBe('in_progress');
      expect(started.started_at).not.toBeNull();
      expect(started.resolved_at).toBeNull();
      await closeEvent(t.http, t.operator.token, maintenance, 'Done');
      const completed = await getEvent(t.http, maintenance.id);
      expect(completed.status).toBe('completed');
      expect(completed.started_at).toBe(started.started_at);
      expect(completed.resolved_at).not.toBeNull();
    });

    it('add update answers 409 on a resolved or completed event and changes nothing', async () => {
      const service = await createService(t.http, t.admin);
      const incident = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_services: [{ service_id: service.id, status: 'degraded' }] }),
      );
      await closeEvent(t.http, t.operator.token, incident);
      const maintenance = await createEvent(t.http, t.operator.token, maintenanceBody({ status: 'in_progress' }));
      await closeEvent(t.http, t.operator.token, maintenance);
      const past = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ started_at: minutesAgo(60), resolved_at: minutesAgo(30) }),
      );
      for (const [event, status] of [
        [incident, 'investigating'],
        [incident, 'resolved'],
        [maintenance, 'in_progress'],
        [past, 'monitoring'],
      ] as const) {
        const before = await getEvent(t.http, event.id);
        const response = await t.http.post(`/api/v1/events/${event.id}/updates`, {
          token: t.operator.token,
          body: { status, message: 'Too late', add_services: [{ service_id: service.id, status: 'major_outage' }] },
        });
        expectPlainError(response, 409);
        expect(await getEvent(t.http, event.id)).toEqual(before);
      }
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
    });

    it('add update answers 404 for an unknown event and for an id that is not a uuid', async () => {
      const body = { status: 'identified', message: 'Nobody home' };
      expectPlainError(
        await t.http.post(`/api/v1/events/${randomUUID()}/updates`, { token: t.operator.token, body }),
        404,
      );
      expectPlainError(await t.http.post('/api/v1/events/nope/updates', { token: t.operator.token, body }), 404);
    });

    describe('validation', () => {
      let inEvent: { id: string; slug: string };
      let outside: { id: string; slug: string };
      let archived: { id: string; slug: string };
      let archivedGroup: { id: string; slug: string };
      beforeAll(async () => {
        inEvent = await createService(t.http, t.admin);
        outside = await createService(t.http, t.admin);
        archived = await createService(t.http, t.admin);
        await archive('services', archived.slug);
        archivedGroup = await createGroup(t.http, t.admin);
        await archive('groups', archivedGroup.slug);
      });

      type Context = { inEvent: string; outside: string; archived: string; archivedGroup: string };
      const ghost = randomUUID();
      const cases: [string, (c: Context) => Record<string, unknown>, string, ((c: Context) => string)?][] = [
        ['a missing status', () => ({ status: undefined }), 'status'],
        ['an unknown status', () => ({ status: 'fixed' }), 'status'],
        ['a maintenance status on an incident', () => ({ status: 'in_progress' }), 'status'],
        ['a missing message', () => ({ message: undefined }), 'message'],
        ['an empty message', () => ({ message: '' }), 'message'],
        ['a blank message', () => ({ message: '  ' }), 'message'],
        ['a message that is not a string', () => ({ message: ['a'] }), 'message'],
        ['notify_subscribers as a string', () => ({ notify_subscribers: 'yes' }), 'notify_subscribers'],
        ['a reason that is not a string', () => ({ reason: 3 }), 'reason'],
        ['an unknown field', () => ({ severity: 'major' }), 'severity'],
        ['the path parameter id in the body', (c) => ({ id: c.inEvent }), 'id'],
        [
          'a service update for a service not in the event',
          (c) => ({ service_updates: [{ service_id: c.outside, status: 'major_outage' }] }),
          'service_updates',
          (c) => c.outside,
        ],
        [
          'a removal of a service not in the event',
          (c) => ({ remove_service_ids: [c.outside] }),
          'remove_service_ids',
          (c) => c.outside,
        ],
        [
          'an added service already in the event',
          (c) => ({ add_services: [{ service_id: c.inEvent, status: 'major_outage' }] }),
          'add_services',
          (c) => c.inEvent,
        ],
        [
          'an unknown added service',
          () => ({ add_services: [{ service_id: ghost, status: 'degraded' }] }),
          'add_services',
          () => ghost,
        ],
        [
          'an archived added service',
          (c) => ({ add_services: [{ service_id: c.archived, status: 'degraded' }] }),
          'add_services',
          (c) => c.archived,
        ],
        [
          'an unknown added group',
          () => ({ add_groups: [{ group_id: ghost, status: 'degraded' }] }),
          'add_groups',
          () => ghost,
        ],
        [
          'an archived added group',
          (c) => ({ add_groups: [{ group_id: c.archivedGroup, status: 'degraded' }] }),
          'add_groups',
          (c) => c.archivedGroup,
        ],
        [
          'a service updated twice',
          (c) => ({
            service_updates: [
              { service_id: c.inEvent, status: 'major_outage' },
              { service_id: c.inEvent, status: 'degraded' },
            ],
          }),
          'service_updates',
          (c) => c.inEvent,
        ],
        [
          'a service added twice',
          (c) => ({
            add_services: [
              { service_id: c.outside, status: 'major_outage' },
              { service_id: c.outside, status: 'major_outage' },
            ],
          }),
          'add_services',
          (c) => c.outside,
        ],
        [
          'a group added twice',
          () => ({
            add_groups: [
              { group_id: ghost, status: 'degraded' },
              { group_id: ghost, status: 'degraded' },
            ],
          }),
          'add_groups',
          () => ghost,
        ],
        [
          'a service removed twice',
          (c) => ({ remove_service_ids: [c.inEvent, c.inEvent] }),
          'remove_service_ids',
          (c) => c.inEvent,
        ],
        [
          'a service both updated and removed',
          (c) => ({
            service_updates: [{ service_id: c.inEvent, status: 'major_outage' }],
            remove_service_ids: [c.inEvent],
          }),
          'remove_service_ids',
          (c) => c.inEvent,
        ],
        [
          'a service update with an unknown status',
          (c) => ({ service_updates: [{ service_id: c.inEvent, status: 'down' }] }),
          'service_updates.0.status',
        ],
        ['a removed id that is not a uuid', () => ({ remove_service_ids: ['billing'] }), 'remove_service_ids.0'],
        ['add_groups that is not an array', () => ({ add_groups: 'all' }), 'add_groups'],
        [
          // A valid part does not get applied when another part fails.
          'a valid addition next to an invalid removal',
          (c) => ({
            add_services: [{ service_id: c.outside, status: 'major_outage' }],
            remove_service_ids: [ghost],
          }),
          'remove_service_ids',
          () => ghost,
        ],
      ];

      it.each(cases)('add update answers 400 for %s and changes nothing', async (_case, build, field, idOf) => {
        const context: Context = {
          inEvent: inEvent.id,
          outside: outside.id,
          archived: archived.id,
          archivedGroup: archivedGroup.id,
        };
        const event = await createEvent(
          t.http,
          t.operator.token,
          incidentBody({ affected_services: [{ service_id: inEvent.id, status: 'degraded' }] }),
        );
        const [before, changes] = await Promise.all([getEvent(t.http, event.id), getChanges(t.http, event.id)]);
        const body = { status: 'identified', message: 'Update', ...build(context) };
        const response = await t.http.post(`/api/v1/events/${event.id}/updates`, { token: t.operator.token, body });
        expectValidationError(response, field);
        if (idOf) {
          expect(detailMessage(response, field)).toContain(idOf(context));
          expect(response.body.error.message).toContain(idOf(context));
        }
        expect(await getEvent(t.http, event.id)).toEqual(before);
        expect(await getChanges(t.http, event.id)).toEqual(changes);
        await expectServiceStatus(t.http, outside, { status: 'operational', effective: 'operational', active: false });
        const inEventNow = await getService(t.http, inEvent.slug);
        expect(inEventNow.effective_status).toBe('degraded');
        await closeEvent(t.http, t.operator.token, event);
      });

      it('add update answers 400 for an incident status on a maintenance', async () => {
        const event = await createEvent(t.http, t.operator.token, maintenanceBody());
        const response = await t.http.post(`/api/v1/events/${event.id}/updates`, {
          token: t.operator.token,
          body: { status: 'resolved', message: 'Wrong kind' },
        });
        expectValidationError(response, 'status');
        expect((await getEvent(t.http, event.id)).status).toBe('scheduled');
      });

      it('add update answers 400 for a malformed JSON body and changes nothing', async () => {
        const event = await createEvent(t.http, t.operator.token, incidentBody());
        const response = await t.http.post(`/api/v1/events/${event.id}/updates`, {
          token: t.operator.token,
          raw: '{"status": "resolved", "message": ',
        });
        expect(response.status, response.text).toBe(400);
        expect(Object.keys(response.body)).toEqual(['error']);
        const detail = await getEvent(t.http, event.id);
        expect(detail.status).toBe('investigating');
        expect(detail.updates).toHaveLength(1);
      });
    });

    it('add update requires the operator role and changes nothing for others', async () => {
      const event = await createEvent(t.http, t.operator.token, incidentBody());
      for (const [token, status] of [
        [undefined, 401],
        ['not-a-token', 401],
        [t.user.token, 403],
      ] as const) {
        const path = `/api/v1/events/${event.id}/updates`;
        expectPlainError(await t.http.post(path, { token, body: { status: 'resolved', message: 'Nope' } }), status);
        expectPlainError(await t.http.post(path, { token, body: { status: 1 } }), status);
      }
      const detail = await getEvent(t.http, event.id);
      expect(detail.status).toBe('investigating');
      expect(detail.updates).toHaveLength(1);
      await addUpdate(t.http, t.admin, event.id, { status: 'resolved', message: 'Admin may too' });
    });
  });

  describe('delete', () => {
    it('delete answers 204 without a body and removes the event, its timeline and its changes', async () => {
      const service = await createService(t.http, t.admin);
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_services: [{ service_id: service.id, status: 'degraded' }] }),
      );
      await closeEvent(t.http, t.operator.token, event);
      const response = await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin });
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      expectPlainError(await t.http.get(`/api/v1/events/${event.id}`), 404);
      expectPlainError(await t.http.get(`/api/v1/events/${event.id}/updates`), 404);
      expectPlainError(await t.http.get(`/api/v1/events/${event.id}/changes`), 404);
      expect(onlyIds(await listEvents(), [event.id])).toEqual([]);
      const history = dataOf<{ events: WireEvent[] }>(await t.http.get('/api/v1/status/history'));
      expect(onlyIds(history.events, [event.id])).toEqual([]);
      const serviceEvents = dataOf<{ events: WireEvent[]; total: number }>(
        await t.http.get(`/api/v1/services/${service.slug}/events`),
      );
      expect(serviceEvents).toMatchObject({ events: [], total: 0 });
      expectPlainError(await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin }), 404);
    });

    it('delete removes the status-log entries of that event only and leaves the service status', async () => {
      const service = await createService(t.http, t.admin);
      const other = await createService(t.http, t.admin);
      const kept = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_services: [{ service_id: service.id, status: 'degraded' }] }),
      );
      const doomed = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({
          affected_services: [
            { service_id: service.id, status: 'major_outage' },
            { service_id: other.id, status: 'partial_outage' },
          ],
        }),
      );
      await closeEvent(t.http, t.operator.token, doomed);
      const current = await getService(t.http, service.slug);
      const patched = await t.http.patch(`/api/v1/services/${service.slug}`, {
        token: t.admin,
        body: { name: current.name, slug: current.slug, status: 'maintenance', reason: 'manual' },
      });
      expect(patched.status, patched.text).toBe(200);
      const logBefore = await getStatusLog(t.http, t.admin, service.slug);
      expect(logSummary(logBefore)).toEqual([
        { old: null, new: 'operational', source: 'manual', event: null },
        { old: 'operational', new: 'degraded', source: 'event', event: kept.id },
        { old: 'degraded', new: 'major_outage', source: 'event', event: doomed.id },
        { old: 'major_outage', new: 'degraded', source: 'event', event: doomed.id },
        { old: 'operational', new: 'maintenance', source: 'manual', event: null },
      ]);
      const otherBefore = await getService(t.http, other.slug);
      expect(otherBefore.status).toBe('operational');

      expect((await t.http.delete(`/api/v1/events/${doomed.id}`, { token: t.admin })).status).toBe(204);

      const logAfter = await getStatusLog(t.http, t.admin, service.slug);
      expect(logAfter).toEqual(logBefore.filter((entry) => entry.event_id !== doomed.id));
      expect(logAfter).toHaveLength(3);
      expect(logSummary(await getStatusLog(t.http, t.admin, other.slug))).toEqual([
        { old: null, new: 'operational', source: 'manual', event: null },
      ]);
      await expectServiceStatus(t.http, service, { status: 'maintenance', effective: 'degraded', active: true });
      expect(await getService(t.http, other.slug)).toEqual(otherBefore);
      expect((await getEvent(t.http, kept.id)).service_ids).toEqual([service.id]);
      await closeEvent(t.http, t.operator.token, kept);
    });

    it('delete works for a completed maintenance and for one still scheduled', async () => {
      const service = await createService(t.http, t.admin);
      const completed = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({
          status: 'in_progress',
          affected_services: [{ service_id: service.id, status: 'maintenance' }],
        }),
      );
      await closeEvent(t.http, t.operator.token, completed);
      const scheduled = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ affected_services: [{ service_id: service.id, status: 'maintenance' }] }),
      );
      for (const event of [completed, scheduled]) {
        const response = await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin });
        expect(response.status, response.text).toBe(204);
        expectPlainError(await t.http.get(`/api/v1/events/${event.id}`), 404);
      }
      expect(logSummary(await getStatusLog(t.http, t.admin, service.slug))).toEqual([
        { old: null, new: 'operational', source: 'manual', event: null },
      ]);
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
    });

    it('delete answers 409 for an active event and keeps it', async () => {
      const service = await createService(t.http, t.admin);
      const incident = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_services: [{ service_id: service.id, status: 'degraded' }] }),
      );
      const maintenance = await createEvent(t.http, t.operator.token, maintenanceBody({ status: 'in_progress' }));
      for (const event of [incident, maintenance]) {
        const before = await getEvent(t.http, event.id);
        const response = await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin });
        expectPlainError(response, 409);
        expect(response.body.error.message).toBe('cannot delete active event: resolve it first');
        expect(await getEvent(t.http, event.id)).toEqual(before);
      }
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'degraded', active: true });
      expect(await getStatusLog(t.http, t.admin, service.slug)).toHaveLength(2);
      await closeEvent(t.http, t.operator.token, incident);
      await closeEvent(t.http, t.operator.token, maintenance);
    });

    it('delete answers 404 for an unknown id and for an id that is not a uuid', async () => {
      expectPlainError(await t.http.delete(`/api/v1/events/${randomUUID()}`, { token: t.admin }), 404);
      expectPlainError(await t.http.delete('/api/v1/events/not-a-uuid', { token: t.admin }), 404);
    });

    it('delete requires the admin role', async () => {
      const event = await createEvent(t.http, t.operator.token, incidentBody());
      await closeEvent(t.http, t.operator.token, event);
      for (const [token, status] of [
        [undefined, 401],
        ['not-a-token', 401],
        [t.user.token, 403],
        [t.operator.token, 403],
      ] as const) {
        expectPlainError(await t.http.delete(`/api/v1/events/${event.id}`, { token }), status);
      }
      expect((await getEvent(t.http, event.id)).status).toBe('resolved');
      // The role is checked before the id.
      expectPlainError(await t.http.delete('/api/v1/events/not-a-uuid', { token: t.operator.token }), 403);
      expectPlainError(await t.http.delete(`/api/v1/events/${randomUUID()}`), 401);
    });
  });

  describe('public status', () => {
    type StatusBody = { events: WireEvent[] };
    const activeStatuses = ['investigating', 'identified', 'monitoring', 'in_progress'];

    it('status lists events not closed: active first (newest first), then scheduled maintenance', async () => {
      const scheduledEarly = await createEvent(t.http, t.operator.token, maintenanceBody());
      const incident = await createEvent(t.http, t.operator.token, incidentBody());
      const resolved = await createEvent(t.http, t.operator.token, incidentBody());
      await closeEvent(t.http, t.operator.token, resolved);
      const completed = await createEvent(t.http, t.operator.token, maintenanceBody({ status: 'in_progress' }));
      await closeEvent(t.http, t.operator.token, completed);
      const inProgress = await createEvent(t.http, t.operator.token, maintenanceBody({ status: 'in_progress' }));
      const scheduledLate = await createEvent(t.http, t.operator.token, maintenanceBody());
      const past = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ started_at: minutesAgo(20), resolved_at: minutesAgo(10) }),
      );

      const response = await t.http.get('/api/v1/status');
      const body = dataOf<StatusBody>(response);
      expect(Object.keys(body)).toEqual(['events']);
      for (const event of body.events) expectEventShape(event);
      const mine = [scheduledEarly, incident, resolved, completed, inProgress, scheduledLate, past].map((e) => e.id);
      expect(onlyIds(body.events, mine)).toEqual([inProgress.id, incident.id, scheduledLate.id, scheduledEarly.id]);
      expect(body.events.find((event) => event.id === incident.id)).toEqual(await servedEvent(incident.id));

      // Over the whole list: nothing closed, and no active event after a scheduled one.
      expect(body.events.filter((event) => ['resolved', 'completed'].includes(event.status))).toEqual([]);
      const firstScheduled = body.events.findIndex((event) => event.status === 'scheduled');
      if (firstScheduled >= 0) {
        expect(body.events.slice(firstScheduled).every((event) => event.status === 'scheduled')).toBe(true);
      }
      expect(body.events.slice(0, Math.max(firstScheduled, 0)).every((e) => activeStatuses.includes(e.status))).toBe(
        true,
      );
      await closeEvent(t.http, t.operator.token, incident);
      await closeEvent(t.http, t.operator.token, inProgress);
      expect(onlyIds(dataOf<StatusBody>(await t.http.get('/api/v1/status')).events, mine)).toEqual([
        scheduledLate.id,
        scheduledEarly.id,
      ]);
    });

    it('history lists closed events, most recently closed first, at most 50', async () => {
      const first = await createEvent(t.http, t.operator.token, incidentBody());
      const second = await createEvent(t.http, t.operator.token, maintenanceBody({ status: 'in_progress' }));
      const open = await createEvent(t.http, t.operator.token, incidentBody());
      const scheduled = await createEvent(t.http, t.operator.token, maintenanceBody());
      await closeEvent(t.http, t.operator.token, second);
      await closeEvent(t.http, t.operator.token, first);
      const response = await t.http.get('/api/v1/status/history');
      const body = dataOf<StatusBody>(response);
      expect(Object.keys(body)).toEqual(['events']);
      expect(body.events.length).toBeLessThanOrEqual(50);
      for (const event of body.events) {
        expectEventShape(event);
        expect(['resolved', 'completed']).toContain(event.status);
        expect(event.resolved_at).not.toBeNull();
      }
      const closedTimes = body.events.map((event) => Date.parse(event.resolved_at as string));
      expect(closedTimes).toEqual([...closedTimes].sort((a, b) => b - a));
      expect(onlyIds(body.events, [first.id, second.id, open.id, scheduled.id])).toEqual([first.id, second.id]);
      await closeEvent(t.http, t.operator.token, open);
    });

    it('status and history are public', async () => {
      for (const path of ['/api/v1/status', '/api/v1/status/history', '/api/v1/status?cache=1']) {
        expect((await t.http.get(path)).status).toBe(200);
        expect((await t.http.get(path, { token: t.user.token })).status).toBe(200);
      }
    });
  });

  /** An event as GET /events/{id} serves it, without its timeline. */
  async function servedEvent(id: string): Promise<WireEvent> {
    const { updates: _updates, ...event } = await getEvent(t.http, id);
    return event;
  }

  describe('events of a service', () => {
    type Page = { events: WireEvent[]; total: number; limit: number; offset: number };
    const page = async (slug: string, query = '') =>
      dataOf<Page>(await t.http.get(`/api/v1/services/${slug}/events${query}`));

    /** A service with six events of every kind, created in this order. */
    async function serviceWithEvents() {
      const service = await createService(t.http, t.admin);
      const on = (status: string) => [{ service_id: service.id, status }];
      const resolved = await createEvent(t.http, t.operator.token, incidentBody({ affected_services: on('degraded') }));
      await closeEvent(t.http, t.operator.token, resolved);
      const active = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_services: on('major_outage') }),
      );
      const scheduled = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ affected_services: on('maintenance') }),
      );
      const completed = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ status: 'in_progress', affected_services: on('maintenance') }),
      );
      await closeEvent(t.http, t.operator.token, completed);
      const inProgress = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({ status: 'in_progress', affected_services: on('maintenance') }),
      );
      const past = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ started_at: minutesAgo(90), resolved_at: minutesAgo(60), affected_services: on('degraded') }),
      );
      // Another service's event never shows up.
      const elsewhere = await createService(t.http, t.admin);
      await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ affected_services: [{ service_id: elsewhere.id, status: 'degraded' }] }),
      );
      return { service, resolved, active, scheduled, completed, inProgress, past };
    }

    it('service events lists active events first, then the others newest first', async () => {
      const { service, resolved, active, scheduled, completed, inProgress, past } = await serviceWithEvents();
      const all = await page(service.slug);
      expect(Object.keys(all).sort()).toEqual(['events', 'limit', 'offset', 'total']);
      for (const event of all.events) expectEventShape(event);
      expect(all).toMatchObject({ total: 6, limit: 20, offset: 0 });
      expect(all.events.map((event) => event.id)).toEqual([
        inProgress.id,
        active.id,
        past.id,
        completed.id,
        scheduled.id,
        resolved.id,
      ]);
      expect(all.events.find((event) => event.id === active.id)).toEqual(await servedEvent(active.id));
      for (const event of all.events) expect(event.service_ids).toContain(service.id);
      for (const id of [active.id, inProgress.id]) {
        const event = await getEvent(t.http, id);
        await closeEvent(t.http, t.operator.token, event);
      }
    });

    it('service events filters status=active (not scheduled) and status=resolved (resolved or completed)', async () => {
      const { service, resolved, active, completed, inProgress, past } = await serviceWithEvents();
      const activeOnes = await page(service.slug, '?status=active');
      expect(activeOnes).toMatchObject({ total: 2, limit: 20, offset: 0 });
      expect(activeOnes.events.map((event) => event.id)).toEqual([inProgress.id, active.id]);
      const closed = await page(service.slug, '?status=resolved');
      expect(closed.total).toBe(3);
      expect(closed.events.map((event) => event.id)).toEqual([past.id, completed.id, resolved.id]);
      for (const event of [active, inProgress]) await closeEvent(t.http, t.operator.token, event);
      expect(await page(service.slug, '?status=active')).toEqual({ events: [], total: 0, limit: 20, offset: 0 });
      expect((await page(service.slug, '?status=resolved')).total).toBe(5);
    });

    it('service events pages with limit and offset and reports the total', async () => {
      const { service, active, inProgress } = await serviceWithEvents();
      const all = (await page(service.slug, '?limit=100')).events.map((event) => event.id);
      expect(all).toHaveLength(6);
      const first = await page(service.slug, '?limit=2');
      expect(first).toMatchObject({ total: 6, limit: 2, offset: 0 });
      expect(first.events.map((event) => event.id)).toEqual(all.slice(0, 2));
      const second = await page(service.slug, '?limit=2&offset=2');
      expect(second).toMatchObject({ total: 6, limit: 2, offset: 2 });
      expect(second.events.map((event) => event.id)).toEqual(all.slice(2, 4));
      const last = await page(service.slug, '?limit=4&offset=4');
      expect(last.events.map((event) => event.id)).toEqual(all.slice(4));
      expect(await page(service.slug, '?limit=5&offset=10')).toEqual({ events: [], total: 6, limit: 5, offset: 10 });
      const activePage = await page(service.slug, '?status=active&limit=1&offset=1');
      expect(activePage).toMatchObject({ total: 2, limit: 1, offset: 1 });
      expect(activePage.events.map((event) => event.id)).toEqual([active.id]);
      for (const event of [active, inProgress]) await closeEvent(t.http, t.operator.token, event);
    });

    it('service events of a service without events is an empty page', async () => {
      const service = await createService(t.http, t.admin);
      expect(await page(service.slug)).toEqual({ events: [], total: 0, limit: 20, offset: 0 });
    });

    it('service events answers 404 for an unknown slug', async () => {
      expectPlainError(await t.http.get(`/api/v1/services/${unique('missing')}/events`), 404);
    });

    it.each([
      ['status=open', 'status'],
      ['status=scheduled', 'status'],
      ['limit=0', 'limit'],
      ['limit=101', 'limit'],
      ['limit=abc', 'limit'],
      ['limit=1.5', 'limit'],
      ['offset=-1', 'offset'],
      ['offset=x', 'offset'],
    ])('service events answers 400 for %s', async (query, field) => {
      const service = await createService(t.http, t.admin);
      expectValidationError(await t.http.get(`/api/v1/services/${service.slug}/events?${query}`), field);
    });
  });

  describe('past events', () => {
    it('a past incident is created resolved with its times and changes no status', async () => {
      const service = await createService(t.http, t.admin, { status: 'degraded' });
      const group = await createGroup(t.http, t.admin);
      const member = await createService(t.http, t.admin, { group_ids: [group.id] });
      const startedAt = new Date(Date.now() - 3 * 3_600_000).toISOString();
      // Closed just now, so that it is among the 50 most recently closed whatever else runs.
      const resolvedAt = new Date().toISOString();
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({
          status: 'investigating',
          started_at: startedAt,
          resolved_at: resolvedAt,
          affected_services: [{ service_id: service.id, status: 'major_outage' }],
          affected_groups: [{ group_id: group.id, status: 'partial_outage' }],
        }),
      );
      const history = dataOf<{ events: WireEvent[] }>(await t.http.get('/api/v1/status/history'));
      expect(event).toMatchObject({
        status: 'resolved',
        started_at: startedAt,
        resolved_at: resolvedAt,
        service_ids: expect.arrayContaining([service.id, member.id]),
        group_ids: [group.id],
      });
      expect(history.events.find((item) => item.id === event.id)).toEqual(await servedEvent(event.id));
      const detail = await getEvent(t.http, event.id);
      expect(detail.updates.map((update) => update.status)).toEqual(['resolved']);

      await expectServiceStatus(t.http, service, { status: 'degraded', effective: 'degraded', active: false });
      await expectServiceStatus(t.http, member, { status: 'operational', effective: 'operational', active: false });
      for (const slug of [service.slug, member.slug]) {
        const log = await getStatusLog(t.http, t.admin, slug);
        expect(log.filter((entry) => entry.source_type === 'event')).toEqual([]);
        expect(log).toHaveLength(1);
      }

      const status = dataOf<{ events: WireEvent[] }>(await t.http.get('/api/v1/status'));
      expect(onlyIds(status.events, [event.id])).toEqual([]);
      for (const slug of [service.slug, member.slug]) {
        const resolved = dataOf<{ events: WireEvent[]; total: number }>(
          await t.http.get(`/api/v1/services/${slug}/events?status=resolved`),
        );
        expect(resolved.events.map((item) => item.id)).toEqual([event.id]);
        const active = dataOf<{ total: number }>(await t.http.get(`/api/v1/services/${slug}/events?status=active`));
        expect(active.total).toBe(0);
      }
      expect(onlyIds(await listEvents('?status=resolved'), [event.id])).toEqual([event.id]);
      // A past event is closed: it takes no updates, and its service can be archived.
      expectPlainError(
        await t.http.post(`/api/v1/events/${event.id}/updates`, {
          token: t.operator.token,
          body: { status: 'monitoring', message: 'late' },
        }),
        409,
      );
      await archive('services', service.slug);
    });

    it('a past maintenance is created completed', async () => {
      const service = await createService(t.http, t.admin);
      const event = await createEvent(
        t.http,
        t.operator.token,
        maintenanceBody({
          status: 'in_progress',
          started_at: minutesAgo(120),
          resolved_at: minutesAgo(60),
          affected_services: [{ service_id: service.id, status: 'maintenance' }],
        }),
      );
      expect(event.status).toBe('completed');
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
      expect(await getStatusLog(t.http, t.admin, service.slug)).toHaveLength(1);
    });

    it('an event created in a closed status is closed now and changes no status', async () => {
      const service = await createService(t.http, t.admin);
      const before = Date.now();
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ status: 'resolved', affected_services: [{ service_id: service.id, status: 'major_outage' }] }),
      );
      expect(event.status).toBe('resolved');
      expect(Date.parse(event.resolved_at as string)).toBeGreaterThanOrEqual(before - 5_000);
      expect(event.started_at).not.toBeNull();
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'operational', active: false });
      expect(await getStatusLog(t.http, t.admin, service.slug)).toHaveLength(1);
    });

    it('an event created with only started_at in the past stays open', async () => {
      const service = await createService(t.http, t.admin);
      const startedAt = '2024-01-01T00:00:00.000Z';
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({ started_at: startedAt, affected_services: [{ service_id: service.id, status: 'degraded' }] }),
      );
      expect(event).toMatchObject({ status: 'investigating', started_at: startedAt, resolved_at: null });
      await expectServiceStatus(t.http, service, { status: 'operational', effective: 'degraded', active: true });
      await closeEvent(t.http, t.operator.token, event);
    });
  });

  describe('the incident flow of the contract', () => {
    it('create with groups, update the services, resolve: services back to operational, event in history', async () => {
      const apiGroup = await createGroup(t.http, t.admin);
      const web = await createGroup(t.http, t.admin);
      const gateway = await createService(t.http, t.admin, { group_ids: [apiGroup.id] });
      const auth = await createService(t.http, t.admin, { group_ids: [apiGroup.id, web.id] });
      const frontend = await createService(t.http, t.admin, { group_ids: [web.id] });
      const database = await createService(t.http, t.admin);
      const cdn = await createService(t.http, t.admin);
      const services = { gateway, auth, frontend, database, cdn };

      // 1. Open the incident on two groups and one explicit service.
      const event = await createEvent(
        t.http,
        t.operator.token,
        incidentBody({
          title: 'API latency',
          severity: 'major',
          description: 'Elevated latency on the API',
          notify_subscribers: true,
          affected_groups: [
            { group_id: apiGroup.id, status: 'degraded' },
            { group_id: web.id, status: 'partial_outage' },
          ],
          affected_services: [{ service_id: database.id, status: 'major_outage' }],
        }),
      );
      expect([...event.service_ids].sort()).toEqual([gateway.id, auth.id, frontend.id, database.id].sort());
      expect([...event.group_ids].sort()).toEqual([apiGroup.id, web.id].sort());
      const statusNow = async () =>
        Object.fromEntries(
          await Promise.all(
            Object.entries(services).map(async ([name, service]) => {
              const served = await getService(t.http, service.slug);
              expectServiceShape(served);
              return [name, [served.status, served.effective_status, served.has_active_events]];
            }),
          ),
        );
      expect(await statusNow()).toEqual({
        gateway: ['operational', 'degraded', true],
        auth: ['operational', 'partial_outage', true],
        frontend: ['operational', 'partial_outage', true],
        database: ['operational', 'major_outage', true],
        cdn: ['operational', 'operational', false],
      });
      expect(onlyIds(dataOf<{ events: WireEvent[] }>(await t.http.get('/api/v1/status')).events, [event.id])).toEqual([
        event.id,
      ]);

      // 2. Identified: the database recovers partly, the CDN joins, the frontend is out of scope.
      await addUpdate(t.http, t.operator.token, event.id, {
        status: 'identified',
        message: 'A bad deploy of the database proxy',
        service_updates: [{ service_id: database.id, status: 'degraded' }],
        add_services: [{ service_id: cdn.id, status: 'degraded' }],
        remove_service_ids: [frontend.id],
        reason: 'scope narrowed',
      });
      expect(await statusNow()).toEqual({
        gateway: ['operational', 'degraded', true],
        auth: ['operational', 'partial_outage', true],
        frontend: ['operational', 'operational', false],
        database: ['operational', 'degraded', true],
        cdn: ['operational', 'degraded', true],
      });

      // 3. Monitoring, then resolved.
      await addUpdate(t.http, t.admin, event.id, { status: 'monitoring', message: 'Rolled back' });
      await addUpdate(t.http, t.operator.token, event.id, { status: 'resolved', message: 'All good' });
      const history = dataOf<{ events: WireEvent[] }>(await t.http.get('/api/v1/status/history'));
      expect(await statusNow()).toEqual({
        gateway: ['operational', 'operational', false],
        auth: ['operational', 'operational', false],
        frontend: ['operational', 'operational', false],
        database: ['operational', 'operational', false],
        cdn: ['operational', 'operational', false],
      });

      // The event, its timeline and its change history.
      const detail = await getEvent(t.http, event.id);
      expect(detail.status).toBe('resolved');
      expect(detail.resolved_at).not.toBeNull();
      expect([...detail.service_ids].sort()).toEqual([gateway.id, auth.id, database.id, cdn.id].sort());
      expect(detail.updates.map((update) => [update.status, update.message])).toEqual([
        ['resolved', 'All good'],
        ['monitoring', 'Rolled back'],
        ['identified', 'A bad deploy of the database proxy'],
        ['investigating', 'Elevated latency on the API'],
      ]);
      const changes = await getChanges(t.http, event.id);
      const batches = [...new Set(changes.map((change) => change.batch_id))];
      expect(batches).toHaveLength(2);
      const summary = (batch: string | null) =>
        changes
          .filter((change) => change.batch_id === batch)
          .map((change) => `${change.action} ${change.group_id ?? change.service_id} ${change.reason}`)
          .sort();
      expect(summary(batches[0] ?? null)).toEqual(
        [apiGroup.id, web.id, gateway.id, auth.id, frontend.id, database.id].map((id) => `added ${id} `).sort(),
      );
      expect(summary(batches[1] ?? null)).toEqual(
        [`added ${cdn.id} scope narrowed`, `removed ${frontend.id} scope narrowed`].sort(),
      );

      // The history and the services' pages.
      expect(history.events.find((item) => item.id === event.id)?.status).toBe('resolved');
      expect(onlyIds(dataOf<{ events: WireEvent[] }>(await t.http.get('/api/v1/status')).events, [event.id])).toEqual(
        [],
      );
      const databaseEvents = dataOf<{ events: WireEvent[] }>(
        await t.http.get(`/api/v1/services/${database.slug}/events?status=resolved`),
      );
      expect(databaseEvents.events.map((item) => item.id)).toEqual([event.id]);

      // The database's status log tells the story, every entry by the event.
      const log = await getStatusLog(t.http, t.operator.token, database.slug);
      for (const entry of log) expectStatusLogEntryShape(entry);
      expect(logSummary(log)).toEqual([
        { old: null, new: 'operational', source: 'manual', event: null },
        { old: 'operational', new: 'major_outage', source: 'event', event: event.id },
        { old: 'major_outage', new: 'degraded', source: 'event', event: event.id },
        { old: 'degraded', new: 'operational', source: 'event', event: event.id },
      ]);
      expect(log[1]?.reason).toBe('scope narrowed');
      // The log is for operators: users and anonymous callers are refused.
      expectPlainError(await t.http.get(`/api/v1/services/${database.slug}/status-log`, { token: t.user.token }), 403);
      expectPlainError(await t.http.get(`/api/v1/services/${database.slug}/status-log`), 401);
      expect(log.slice(0, 3).map((entry) => entry.created_by)).toEqual([t.operator.id, t.operator.id, t.operator.id]);
    });
  });
});
