import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { dataOf } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { closeEvent, createEvent, incidentBody, maintenanceBody, type WireEvent } from './support/events';
import { adminToken, createAccount } from './support/factories';
import { openDatabase, type Sql } from './support/identity';

const minutesAhead = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString();

describe('events update', () => {
  let api: ApiServer;
  let http: Http;
  let sql: Sql;
  let admin: string;
  let operator: { id: string; token: string };
  let user: { id: string; token: string };

  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
    sql = openDatabase();
    admin = await adminToken(http);
    operator = await createAccount(http, 'operator');
    user = await createAccount(http, 'user');
  });
  afterAll(async () => {
    await sql.end({ timeout: 5 });
    await api.close();
  });

  const scheduled = () =>
    createEvent(
      http,
      operator.token,
      maintenanceBody({ scheduled_start_at: minutesAhead(60), scheduled_end_at: minutesAhead(120) }),
    );
  const scheduleMessages = async (eventId: string) =>
    sql`select id from outbox where kind = 'maintenance.schedule' and payload->>'event_id' = ${eventId}`;

  it('update changes title, description and scheduled times, and reschedules the maintenance', async () => {
    const event = await scheduled();
    expect(await scheduleMessages(event.id)).toHaveLength(1);
    const start = minutesAhead(30);
    const end = minutesAhead(90);
    const response = await http.patch(`/api/v1/events/${event.id}`, {
      token: operator.token,
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
    dataOf(await http.patch(`/api/v1/events/${event.id}`, { token: operator.token, body: { title: 'Renamed' } }));
    expect(await scheduleMessages(event.id)).toHaveLength(1);
  });

  it('update rejects an end not after the start with 400', async () => {
    const event = await scheduled();
    const response = await http.patch(`/api/v1/events/${event.id}`, {
      token: operator.token,
      body: { scheduled_end_at: minutesAhead(30) },
    });
    expect(response.status, response.text).toBe(400);
    expect(JSON.stringify(response.body)).toContain('scheduled_end_at');
  });

  it('update rejects scheduled times on an incident with 400', async () => {
    const incident = await createEvent(http, operator.token, incidentBody({ severity: 'minor' }));
    const response = await http.patch(`/api/v1/events/${incident.id}`, {
      token: operator.token,
      body: { scheduled_start_at: minutesAhead(10) },
    });
    expect(response.status, response.text).toBe(400);
  });

  it('update of a closed event answers 409', async () => {
    const event = await scheduled();
    await closeEvent(http, operator.token, event);
    const response = await http.patch(`/api/v1/events/${event.id}`, { token: operator.token, body: { title: 'Late' } });
    expect(response.status, response.text).toBe(409);
  });

  it('update answers 401 without a session, 403 for a user, 404 for an unknown event', async () => {
    const event = await scheduled();
    const path = `/api/v1/events/${event.id}`;
    expect((await http.patch(path, { body: { title: 'x' } })).status).toBe(401);
    expect((await http.patch(path, { token: user.token, body: { title: 'x' } })).status).toBe(403);
    const missing = await http.patch(`/api/v1/events/${randomUUID()}`, { token: admin, body: { title: 'x' } });
    expect(missing.status, missing.text).toBe(404);
  });
});
