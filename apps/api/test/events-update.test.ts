import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dataOf } from './support/catalog';
import { closeEvent, createEvent, incidentBody, maintenanceBody, type WireEvent } from './support/events';
import { useApiFixture } from './support/fixture';

const minutesAhead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('events update', () => {
  const t = useApiFixture();

  const scheduled = () =>
    createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({ scheduled_start_at: minutesAhead(60), scheduled_end_at: minutesAhead(120) }),
    );
  const scheduleMessages = async (eventId: string) =>
    t.sql`select id from outbox where kind = 'maintenance.schedule' and payload->>'event_id' = ${eventId}`;

  it('update changes title, description and scheduled times, and reschedules the maintenance', async () => {
    const event = await scheduled();
    expect(await scheduleMessages(event.id)).toHaveLength(1);
    const start = minutesAhead(30);
    const end = minutesAhead(90);
    const response = await t.http.patch(`/api/v1/events/${event.id}`, {
      token: t.operator.token,
      body: {
        title: 'Moved maintenance',
        description: 'Moved earlier',
        scheduled_start_at: start,
        scheduled_end_at: end,
      },
    });
    const updated = dataOf<WireEvent>(response);
    expect(updated.title).toBe('Moved maintenance');
    expect(updated.description).toBe('Moved earlier');
    expect(new Date(updated.scheduled_start_at as string).getTime()).toBe(new Date(start).getTime());
    expect(new Date(updated.scheduled_end_at as string).getTime()).toBe(new Date(end).getTime());
    expect(updated.status).toBe('scheduled');
    expect(await scheduleMessages(event.id)).toHaveLength(2);
  });

  it('update of the title alone does not reschedule', async () => {
    const event = await scheduled();
    dataOf(await t.http.patch(`/api/v1/events/${event.id}`, { token: t.operator.token, body: { title: 'Renamed' } }));
    expect(await scheduleMessages(event.id)).toHaveLength(1);
  });

  it('update rejects an end not after the start with 400', async () => {
    const event = await scheduled();
    const response = await t.http.patch(`/api/v1/events/${event.id}`, {
      token: t.operator.token,
      body: { scheduled_end_at: minutesAhead(30) },
    });
    expect(response.status, response.text).toBe(400);
    expect(JSON.stringify(response.body)).toContain('scheduled_end_at');
  });

  it('update rejects scheduled times on an incident with 400', async () => {
    const incident = await createEvent(t.http, t.operator.token, incidentBody({ severity: 'minor' }));
    const response = await t.http.patch(`/api/v1/events/${incident.id}`, {
      token: t.operator.token,
      body: { scheduled_start_at: minutesAhead(10) },
    });
    expect(response.status, response.text).toBe(400);
  });

  it('update of a closed event answers 409', async () => {
    const event = await scheduled();
    await closeEvent(t.http, t.operator.token, event);
    const response = await t.http.patch(`/api/v1/events/${event.id}`, {
      token: t.operator.token,
      body: { title: 'Late' },
    });
    expect(response.status, response.text).toBe(409);
  });

  it('update answers 401 without a session, 403 for a user, 404 for an unknown event', async () => {
    const event = await scheduled();
    const path = `/api/v1/events/${event.id}`;
    expect((await t.http.patch(path, { body: { title: 'x' } })).status).toBe(401);
    expect((await t.http.patch(path, { token: t.user.token, body: { title: 'x' } })).status).toBe(403);
    const missing = await t.http.patch(`/api/v1/events/${randomUUID()}`, { token: t.admin, body: { title: 'x' } });
    expect(missing.status, missing.text).toBe(404);
  });
});
