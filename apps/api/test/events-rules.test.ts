import { describe, expect, it } from 'vitest';
import { getService } from './support/catalog';
import { closeEvent, createEvent, incidentBody, maintenanceBody } from './support/events';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

describe('events rules', () => {
  const t = useApiFixture();

  it('archive refuses a group selected for an active event even when it has no services left', async () => {
    const group = await createGroup(t.http, t.admin);
    const event = await createEvent(
      t.http,
      t.admin,
      incidentBody({ affected_groups: [{ group_id: group.id, status: 'degraded' }] }),
    );
    const refused = await t.http.delete(`/api/v1/groups/${group.slug}`, { token: t.admin });
    expect(refused.status).toBe(409);
    await closeEvent(t.http, t.admin, event);
    const archived = await t.http.delete(`/api/v1/groups/${group.slug}`, { token: t.admin });
    expect(archived.status).toBe(204);
  });

  it('public status lists active events first, then scheduled maintenance soonest first', async () => {
    const service = await createService(t.http, t.admin);
    const hours = (n: number) => new Date(Date.now() + n * 3_600_000).toISOString();
    const later = await createEvent(
      t.http,
      t.admin,
      maintenanceBody({ scheduled_start_at: hours(48), scheduled_end_at: hours(49) }),
    );
    const sooner = await createEvent(
      t.http,
      t.admin,
      maintenanceBody({ scheduled_start_at: hours(24), scheduled_end_at: hours(25) }),
    );
    const incident = await createEvent(
      t.http,
      t.admin,
      incidentBody({ affected_services: [{ service_id: service.id, status: 'major_outage' }] }),
    );
    const response = await t.http.get('/api/v1/status');
    expect(response.status).toBe(200);
    const ids = (response.body.data.events as { id: string }[]).map((event) => event.id);
    const mine = ids.filter((id) => [later.id, sooner.id, incident.id].includes(id));
    expect(mine).toEqual([incident.id, sooner.id, later.id]);
    await closeEvent(t.http, t.admin, incident);
    for (const event of [sooner, later]) {
      expect((await t.http.delete(`/api/v1/events/${event.id}`, { token: t.admin })).status).toBe(204);
    }
  });

  it('a maintenance completed before it started leaves the stored status of its services alone', async () => {
    const service = await createService(t.http, t.admin, { status: 'degraded' });
    const maintenance = await createEvent(
      t.http,
      t.admin,
      maintenanceBody({ affected_services: [{ service_id: service.id, status: 'maintenance' }] }),
    );
    await closeEvent(t.http, t.admin, maintenance);
    const after = await getService(t.http, service.slug);
    expect(after.status).toBe('degraded');
    expect(after.effective_status).toBe('degraded');
  });
});
