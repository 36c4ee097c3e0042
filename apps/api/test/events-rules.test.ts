import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { createHttp, type Http } from './support/client';
import { closeEvent, createEvent, getService, incidentBody, maintenanceBody } from './support/events';
import { adminToken, createGroup, createService } from './support/factories';

describe('events rules', () => {
  let api: ApiServer;
  let http: Http;
  let admin: string;
  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
    admin = await adminToken(http);
  });
  afterAll(() => api.close());

  it('archive refuses a group selected for an active event even when it has no services left', async () => {
    const group = await createGroup(http, admin);
    const event = await createEvent(
      http,
      admin,
      incidentBody({ affected_groups: [{ group_id: group.id, status: 'degraded' }] }),
    );
    const refused = await http.delete(`/api/v1/groups/${group.slug}`, { token: admin });
    expect(refused.status).toBe(409);
    await closeEvent(http, admin, event);
    const archived = await http.delete(`/api/v1/groups/${group.slug}`, { token: admin });
    expect(archived.status).toBe(204);
  });

  it('public status lists active events first, then scheduled maintenance soonest first', async () => {
    const service = await createService(http, admin);
    const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();
    const later = await createEvent(
      http,
      admin,
      maintenanceBody({ scheduled_start_at: hours(48), scheduled_end_at: hours(49) }),
    );
    const sooner = await createEvent(
      http,
      admin,
      maintenanceBody({ scheduled_start_at: hours(24), scheduled_end_at: hours(25) }),
    );
    const incident = await createEvent(
      http,
      admin,
      incidentBody({ affected_services: [{ service_id: service.id, status: 'major_outage' }] }),
    );
    const response = await http.get('/api/v1/status');
    expect(response.status).toBe(200);
    const ids = (response.body.data.events as { id: string }[]).map((event) => event.id);
    const mine = ids.filter((id) => [later.id, sooner.id, incident.id].includes(id));
    expect(mine).toEqual([incident.id, sooner.id, later.id]);
    await closeEvent(http, admin, incident);
    for (const event of [sooner, later]) {
      expect((await http.delete(`/api/v1/events/${event.id}`, { token: admin })).status).toBe(204);
    }
  });

  it('a maintenance completed before it started leaves the stored status of its services alone', async () => {
    const service = await createService(http, admin, { status: 'degraded' });
    const maintenance = await createEvent(
      http,
      admin,
      maintenanceBody({ affected_services: [{ service_id: service.id, status: 'maintenance' }] }),
    );
    await closeEvent(http, admin, maintenance);
    const after = await getService(http, service.slug);
    expect(after.status).toBe('degraded');
    expect(after.effective_status).toBe('degraded');
  });
});
