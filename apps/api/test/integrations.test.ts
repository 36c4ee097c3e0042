import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../src/logger';
import { alertmanagerPayload, grafanaPayload } from './data/alert-payloads';
import { startTestApi, unique } from './support/api';
import {
  dataOf,
  expectPlainError,
  expectStatusLogEntryShape,
  expectValidationError,
  getService,
} from './support/catalog';
import { createHttp } from './support/client';
import { addUpdate, createEvent, getStatusLog, incidentBody, maintenanceBody } from './support/events';
import { adminToken, createService } from './support/factories';
import { useApiFixture } from './support/fixture';

/** The documented form of an integration secret (docs/api/10-alerts.md), written out here. */
const SECRET_FORM = /^sp_int_[0-9A-Za-z]{40}$/;

const t = useApiFixture({ RATE_LIMIT_INTEGRATION_REQUESTS: '1000' });

interface CreatedIntegration {
  id: string;
  secret: string;
  secret_prefix: string;
  kind: string;
  endpoint: string;
  [key: string]: unknown;
}

async function createIntegration(body: Record<string, unknown> = {}): Promise<CreatedIntegration> {
  return dataOf<CreatedIntegration>(
    await t.http.post('/api/v1/integrations', {
      token: t.admin,
      body: { name: `Prometheus ${unique('int')}`, kind: 'alertmanager', ...body },
    }),
    201,
  );
}

function post(integration: { id: string; kind: string }, body: unknown, secret?: string | null, via = 'header') {
  const path = `/api/v1/integrations/${integration.id}/${integration.kind}`;
  if (secret === null || secret === undefined) return t.http.post(path, { body });
  if (via === 'query') return t.http.post(`${path}?token=${encodeURIComponent(secret)}`, { body });
  return t.http.post(path, { body, headers: { authorization: `Bearer ${secret}` } });
}

async function send(integration: CreatedIntegration, body: unknown) {
  return dataOf<{ received: number; applied: number; ignored: Record<string, number>; changed_services: string[] }>(
    await post(integration, body, integration.secret),
  );
}

async function statusOf(slug: string) {
  return (await getService(t.http, slug)).status;
}

async function webhookEntries(slug: string) {
  const entries = await getStatusLog(t.http, t.operator.token, slug);
  for (const entry of entries)
    expectStatusLogEntryShape(entry, { by: entry.integration_id ? 'integration' : 'person' });
  return entries.filter((entry) => entry.source_type === 'webhook');
}

async function metricValue(name: string, labels: Record<string, string>) {
  const text = await (await fetch(`${t.api.metricsUrl}`)).text();
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((part) => candidate.includes(part)));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('integrations management', () => {
  it('create answers 201 with the secret once; get and list never show it', async () => {
    const created = await createIntegration();
    expect(created.secret).toMatch(SECRET_FORM);
    expect(created.secret.startsWith(created.secret_prefix)).toBe(true);
    expect(created).toMatchObject({
      kind: 'alertmanager',
      service_label: 'statuspage_service',
      service_map: {},
      severity_map: { critical: 'major_outage', warning: 'degraded' },
      default_status: 'partial_outage',
      open_incidents: false,
      template_id: null,
      notify_subscribers: false,
      endpoint: `/api/v1/integrations/${created.id}/alertmanager`,
      created_by: t.adminId,
    });
    const got = dataOf<Record<string, unknown>>(
      await t.http.get(`/api/v1/integrations/${created.id}`, { token: t.admin }),
    );
    expect(got).not.toHaveProperty('secret');
    const { secret: _, ...shown } = created;
    expect(got).toEqual(shown);
    const list = dataOf<Record<string, unknown>[]>(await t.http.get('/api/v1/integrations', { token: t.admin }));
    expect(list.find((entry) => entry.id === created.id)).toEqual(shown);
    expect(JSON.stringify(list)).not.toContain(created.secret);
    const [row] = await t.sql`select secret_hash from integrations where id = ${created.id}`;
    expect(row?.secret_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('update changes the mapping; an empty patch writes nothing', async () => {
    const created = await createIntegration();
    const updated = dataOf<Record<string, unknown>>(
      await t.http.patch(`/api/v1/integrations/${created.id}`, {
        token: t.admin,
        body: { service_label: 'service', service_map: { 'api-prod': 'api' }, default_status: 'degraded' },
      }),
    );
    expect(updated).toMatchObject({
      service_label: 'service',
      service_map: { 'api-prod': 'api' },
      default_status: 'degraded',
    });
    const same = dataOf<Record<string, unknown>>(
      await t.http.patch(`/api/v1/integrations/${created.id}`, {
        token: t.admin,
        body: { service_map: { 'api-prod': 'api' } },
      }),
    );
    expect(same.updated_at).toBe(updated.updated_at);
  });

  it('create and update refuse bad settings with 400 naming the field', async () => {
    expectValidationError(
      await t.http.post('/api/v1/integrations', { token: t.admin, body: { name: 'x', kind: 'nagios' } }),
      'kind',
    );
    expectValidationError(
      await t.http.post('/api/v1/integrations', {
        token: t.admin,
        body: { name: 'x', kind: 'grafana', service_label: 'not a label' },
      }),
      'service_label',
    );
    expectValidationError(
      await t.http.post('/api/v1/integrations', { token: t.admin, body: { name: 'x', kind: 'grafana', extra: 1 } }),
      'extra',
    );
    expectValidationError(
      await t.http.post('/api/v1/integrations', {
        token: t.admin,
        body: { name: 'x', kind: 'grafana', open_incidents: true, template_id: randomUUID() },
      }),
      'template_id',
    );
    const created = await createIntegration();
    expectValidationError(
      await t.http.patch(`/api/v1/integrations/${created.id}`, {
        token: t.admin,
        body: { severity_map: { critical: 'maintenance' } },
      }),
      'severity_map.critical',
    );
  });

  it('unknown ids answer 404', async () => {
    const id = randomUUID();
    expectPlainError(await t.http.get(`/api/v1/integrations/${id}`, { token: t.admin }), 404);
    expectPlainError(await t.http.patch(`/api/v1/integrations/${id}`, { token: t.admin, body: { name: 'x' } }), 404);
    expectPlainError(await t.http.post(`/api/v1/integrations/${id}/rotate-secret`, { token: t.admin }), 404);
    expectPlainError(await t.http.delete(`/api/v1/integrations/${id}`, { token: t.admin }), 404);
  });

  it('rotating the secret shows a new one; the old one stops working at once', async () => {
    const service = await createService(t.http, t.admin);
    const created = await createIntegration();
    const rotated = dataOf<CreatedIntegration>(
      await t.http.post(`/api/v1/integrations/${created.id}/rotate-secret`, { token: t.admin }),
    );
    expect(rotated.secret).toMatch(SECRET_FORM);
    expect(rotated.secret).not.toBe(created.secret);
    const body = alertmanagerPayload([{ service: service.slug }]);
    expectPlainError(await post(created, body, created.secret), 401);
    expect((await post(rotated, body, rotated.secret)).status).toBe(200);
  });

  it('delete answers 204; the integration and its secret are gone, the status it set stays', async () => {
    const service = await createService(t.http, t.admin);
    const created = await createIntegration();
    await send(created, alertmanagerPayload([{ service: service.slug }]));
    const deleted = await t.http.delete(`/api/v1/integrations/${created.id}`, { token: t.admin });
    expect(deleted.status, deleted.text).toBe(204);
    expectPlainError(await t.http.get(`/api/v1/integrations/${created.id}`, { token: t.admin }), 404);
    expectPlainError(await post(created, alertmanagerPayload([{ service: service.slug }]), created.secret), 401);
    expect(await statusOf(service.slug)).toBe('major_outage');
    const [entry] = await webhookEntries(service.slug);
    expect(entry?.integration_id).toBeNull();
  });

  it('only admins manage integrations: operator 403, anonymous 401', async () => {
    const created = await createIntegration();
    for (const [method, path] of [
      ['get', '/api/v1/integrations'],
      ['post', '/api/v1/integrations'],
      ['get', `/api/v1/integrations/${created.id}`],
      ['patch', `/api/v1/integrations/${created.id}`],
      ['post', `/api/v1/integrations/${created.id}/rotate-secret`],
      ['delete', `/api/v1/integrations/${created.id}`],
    ] as const) {
      const body = method === 'get' || method === 'delete' ? undefined : { name: 'x', kind: 'generic' };
      expectPlainError(await t.http[method](path, { token: t.operator.token, body }), 403);
      expectPlainError(await t.http[method](path, { token: t.user.token, body }), 403);
      expectPlainError(await t.http[method](path, { body }), 401);
    }
    expect((await t.http.get(`/api/v1/integrations/${created.id}`, { token: t.admin })).status).toBe(200);
  });
});

describe('integrations alertmanager', () => {
  it('firing sets the status and logs it (source webhook, the integration as author); resend changes nothing; resolved restores operational', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const firing = alertmanagerPayload([{ service: service.slug, severity: 'critical' }]);

    const first = await send(integration, firing);
    expect(first).toEqual({ received: 1, applied: 1, ignored: {}, changed_services: [service.slug] });
    expect(await statusOf(service.slug)).toBe('major_outage');
    const [raised] = await webhookEntries(service.slug);
    expect(raised).toMatchObject({
      service_id: service.id,
      old_status: 'operational',
      new_status: 'major_outage',
      source_type: 'webhook',
      event_id: null,
      // The contract's created_by is a user: the admin who set the integration up.
      created_by: t.adminId,
      integration_id: integration.id,
      reason: 'alert firing: HighErrorRate: More than 5% of requests fail',
    });

    const resent = await send(integration, firing);
    expect(resent).toEqual({ received: 1, applied: 0, ignored: { duplicate: 1 }, changed_services: [] });
    expect(await webhookEntries(service.slug)).toHaveLength(1);

    const resolved = await send(integration, alertmanagerPayload([{ service: service.slug, status: 'resolved' }]));
    expect(resolved.changed_services).toEqual([service.slug]);
    expect(await statusOf(service.slug)).toBe('operational');
    const entries = await webhookEntries(service.slug);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({
      old_status: 'major_outage',
      new_status: 'operational',
      integration_id: integration.id,
      reason: 'alert resolved: HighErrorRate: More than 5% of requests fail',
    });
    const alerts =
      await t.sql`select firing, status, fingerprint from integration_alerts where integration_id = ${integration.id}`;
    expect(alerts).toEqual([{ firing: false, status: 'major_outage', fingerprint: 'a1b2c3d4e5f60718' }]);
  });

  it('maps severities (warning → degraded, unknown → default), the statuspage_status label wins, and the worst firing alert counts', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    await send(integration, alertmanagerPayload([{ service: service.slug, severity: 'warning', fingerprint: 'w1' }]));
    expect(await statusOf(service.slug)).toBe('degraded');
    await send(integration, alertmanagerPayload([{ service: service.slug, severity: 'info', fingerprint: 'i1' }]));
    expect(await statusOf(service.slug)).toBe('partial_outage');
    await send(
      integration,
      alertmanagerPayload([
        { service: service.slug, severity: 'info', fingerprint: 'o1', labels: { statuspage_status: 'major_outage' } },
      ]),
    );
    expect(await statusOf(service.slug)).toBe('major_outage');
    // The worst alert resolves: the next worst still firing decides.
    await send(
      integration,
      alertmanagerPayload([
        { service: service.slug, fingerprint: 'o1', status: 'resolved', labels: { statuspage_status: 'major_outage' } },
      ]),
    );
    expect(await statusOf(service.slug)).toBe('partial_outage');
    await send(
      integration,
      alertmanagerPayload([
        { service: service.slug, severity: 'info', fingerprint: 'i1', status: 'resolved' },
        { service: service.slug, severity: 'warning', fingerprint: 'w1', status: 'resolved' },
      ]),
    );
    expect(await statusOf(service.slug)).toBe('operational');
    expect((await webhookEntries(service.slug)).map((entry) => entry.new_status).reverse()).toEqual([
      'degraded',
      'partial_outage',
      'major_outage',
      'partial_outage',
      'operational',
    ]);
  });

  it('a service is the worst over the firing alerts of every integration', async () => {
    const service = await createService(t.http, t.admin);
    const prometheus = await createIntegration();
    const grafana = await createIntegration({ kind: 'grafana' });
    await send(prometheus, alertmanagerPayload([{ service: service.slug, severity: 'warning' }]));
    await send(grafana, grafanaPayload([{ service: service.slug, severity: 'critical' }]));
    expect(await statusOf(service.slug)).toBe('major_outage');
    await send(grafana, grafanaPayload([{ service: service.slug, status: 'resolved' }]));
    expect(await statusOf(service.slug)).toBe('degraded');
  });

  it('the service label can be another label, read through a label → service table', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration({ service_label: 'app', service_map: { 'api-prod': service.slug } });
    await send(integration, alertmanagerPayload([{ labels: { app: 'api-prod' } }]));
    expect(await statusOf(service.slug)).toBe('major_outage');
  });

  it('an alert that stops naming its service no longer counts there', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    await send(integration, alertmanagerPayload([{ service: service.slug, fingerprint: 'moved' }]));
    expect(await statusOf(service.slug)).toBe('major_outage');
    const moved = await send(
      integration,
      alertmanagerPayload([{ service: `gone-${randomUUID()}`, fingerprint: 'moved' }]),
    );
    expect(moved).toMatchObject({ applied: 0, ignored: { unknown_service: 1 }, changed_services: [service.slug] });
    expect(await statusOf(service.slug)).toBe('operational');
  });

  it('a status changed by hand after the alert set it is left alone when the alert resolves', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    await send(integration, alertmanagerPayload([{ service: service.slug }]));
    const current = await getService(t.http, service.slug);
    const patched = await t.http.patch(`/api/v1/services/${service.slug}`, {
      token: t.admin,
      body: { name: current.name, slug: current.slug, status: 'degraded', reason: 'failover done, still slow' },
    });
    expect(patched.status, patched.text).toBe(200);
    const resolved = await send(integration, alertmanagerPayload([{ service: service.slug, status: 'resolved' }]));
    expect(resolved).toEqual({ received: 1, applied: 0, ignored: { status_held: 1 }, changed_services: [] });
    expect(await statusOf(service.slug)).toBe('degraded');
    expect(await webhookEntries(service.slug)).toHaveLength(1);
    // The alert's state is still recorded.
    const [alert] = await t.sql`select firing from integration_alerts where integration_id = ${integration.id}`;
    expect(alert?.firing).toBe(false);
  });

  it('an open incident that affects the service holds its status; the alert is recorded', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const incident = await createEvent(
      t.http,
      t.operator.token,
      incidentBody({ affected_services: [{ service_id: service.id, status: 'degraded' }] }),
    );
    const held = await send(integration, alertmanagerPayload([{ service: service.slug }]));
    expect(held).toEqual({ received: 1, applied: 0, ignored: { status_held: 1 }, changed_services: [] });
    expect((await getService(t.http, service.slug)).status).toBe('operational');
    expect(await webhookEntries(service.slug)).toEqual([]);
    const [alert] = await t.sql`select firing, status from integration_alerts where integration_id = ${integration.id}`;
    expect(alert).toEqual({ firing: true, status: 'major_outage' });
    // Once the incident is closed, the next change of the alerts applies again.
    await addUpdate(t.http, t.operator.token, incident.id, { status: 'resolved', message: 'fixed' });
    await send(integration, alertmanagerPayload([{ service: service.slug, fingerprint: 'second' }]));
    expect(await statusOf(service.slug)).toBe('major_outage');
  });

  it('a maintenance in progress on the service holds its status too', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const start = new Date(Date.now() - 60_000).toISOString();
    const end = new Date(Date.now() + 3_600_000).toISOString();
    await createEvent(
      t.http,
      t.operator.token,
      maintenanceBody({
        status: 'in_progress',
        scheduled_start_at: start,
        scheduled_end_at: end,
        affected_services: [{ service_id: service.id, status: 'maintenance' }],
      }),
    );
    const held = await send(integration, alertmanagerPayload([{ service: service.slug }]));
    expect(held.ignored).toEqual({ status_held: 1 });
    expect(await getService(t.http, service.slug)).toMatchObject({
      status: 'operational',
      effective_status: 'maintenance',
    });
    expect(await webhookEntries(service.slug)).toEqual([]);
  });

  it('wrong or missing secret → 401, for unknown integrations too; nothing changes', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const body = alertmanagerPayload([{ service: service.slug }]);
    expectPlainError(await post(integration, body, null), 401);
    expectPlainError(await post(integration, body, `sp_int_${'x'.repeat(40)}`), 401);
    expectPlainError(await post(integration, body, `sp_int_${'x'.repeat(40)}`, 'query'), 401);
    expectPlainError(await post({ id: randomUUID(), kind: 'alertmanager' }, body, integration.secret), 401);
    // An access token is not an integration secret.
    expectPlainError(await post(integration, body, t.admin), 401);
    expect(await statusOf(service.slug)).toBe('operational');
    const [row] =
      await t.sql`select count(*)::int as n from integration_alerts where integration_id = ${integration.id}`;
    expect(row?.n).toBe(0);
  });

  it('accepts the secret as ?token= and never logs it', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const response = await post(
      integration,
      alertmanagerPayload([{ service: service.slug }]),
      integration.secret,
      'query',
    );
    expect(response.status, response.text).toBe(200);
    expect(await statusOf(service.slug)).toBe('major_outage');
    const logged = redactUrl(`${integration.endpoint}?token=${integration.secret}`);
    expect(logged).toBe(`${integration.endpoint}?token=[redacted]`);
  });

  it('malformed payloads → 400 and nothing changed', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const good = alertmanagerPayload([{ service: service.slug }]);
    const headers = { authorization: `Bearer ${integration.secret}` };
    const path = integration.endpoint;
    expectValidationError(await t.http.post(path, { raw: '{"alerts": [', headers }));
    expectValidationError(await t.http.post(path, { body: { ...good, alerts: undefined }, headers }), 'alerts');
    expectValidationError(
      await t.http.post(path, { body: { ...good, alerts: [{ ...good.alerts[0], status: 'pending' }] }, headers }),
      'alerts.0.status',
    );
    expectValidationError(
      await t.http.post(path, { body: { ...good, alerts: [{ ...good.alerts[0], startsAt: 'yesterday' }] }, headers }),
      'alerts.0.startsAt',
    );
    expectValidationError(
      await t.http.post(path, { body: { ...good, alerts: [{ ...good.alerts[0], labels: { a: 1 } }] }, headers }),
    );
    expectValidationError(await t.http.post(path, { body: [good], headers }));
    // A Grafana payload at an Alertmanager integration's generic endpoint: the wrong shape.
    expectValidationError(
      await t.http.post(`/api/v1/integrations/${integration.id}/generic`, { body: good, headers }),
      'service',
    );
    expect(await statusOf(service.slug)).toBe('operational');
    const [row] =
      await t.sql`select count(*)::int as n from integration_alerts where integration_id = ${integration.id}`;
    expect(row?.n).toBe(0);
  });

  it('a payload for another kind of integration → 400', async () => {
    const integration = await createIntegration({ kind: 'grafana' });
    const response = await post(
      { id: integration.id, kind: 'alertmanager' },
      alertmanagerPayload([]),
      integration.secret,
    );
    expectValidationError(response, 'body');
  });

  it('accepts unknown fields (senders add them) and bounds the size of what it reads', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const body = { ...alertmanagerPayload([{ service: service.slug }]), somethingNew: { nested: [1, 2, 3] } };
    expect((await post(integration, body, integration.secret)).status).toBe(200);
    const tooMany = alertmanagerPayload(
      Array.from({ length: 1001 }, (_, i) => ({ service: service.slug, fingerprint: `f${i}` })),
    );
    expectValidationError(await post(integration, tooMany, integration.secret), 'alerts');
  });

  it('unknown or missing service labels are recorded as ignored (200) and counted in the metrics', async () => {
    const integration = await createIntegration();
    const before = await metricValue('statuspage_alerts_ignored_total', {
      integration: integration.id,
      reason: 'unknown_service',
    });
    const outcome = await send(
      integration,
      alertmanagerPayload([{ service: `no-such-${randomUUID()}`, fingerprint: 'u1' }, { fingerprint: 'n1' }]),
    );
    expect(outcome).toEqual({
      received: 2,
      applied: 0,
      ignored: { unknown_service: 1, no_service_label: 1 },
      changed_services: [],
    });
    const rows = await t.sql`
      select fingerprint, ignored, service_id from integration_alerts
      where integration_id = ${integration.id} order by fingerprint`;
    expect(rows).toEqual([
      { fingerprint: 'n1', ignored: 'no_service_label', service_id: null },
      { fingerprint: 'u1', ignored: 'unknown_service', service_id: null },
    ]);
    expect(
      await metricValue('statuspage_alerts_ignored_total', { integration: integration.id, reason: 'unknown_service' }),
    ).toBe(before + 1);
    expect(await metricValue('statuspage_alerts_received_total', { integration: integration.id })).toBe(2);
  });

  it('counts applied alerts in the metrics', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    await send(integration, alertmanagerPayload([{ service: service.slug }]));
    await send(integration, alertmanagerPayload([{ service: service.slug }]));
    expect(await metricValue('statuspage_alerts_applied_total', { integration: integration.id })).toBe(1);
    expect(
      await metricValue('statuspage_alerts_ignored_total', { integration: integration.id, reason: 'duplicate' }),
    ).toBe(1);
  });
});

describe('integrations failures', () => {
  it('answers 5xx when the change cannot be committed, keeps nothing, and applies the retry once', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration();
    const body = alertmanagerPayload([{ service: service.slug }]);
    // A real failure inside the transaction: the status log refuses this service's entries for a while.
    const fn = `fail_${randomUUID().replaceAll('-', '')}`;
    await t.sql.unsafe(`
      create function ${fn}() returns trigger language plpgsql as $$
      begin
        if new.service_id = '${service.id}' then raise exception 'status log unavailable'; end if;
        return new;
      end $$;
      create trigger ${fn} before insert on service_status_log for each row execute function ${fn}();`);
    try {
      const failed = await post(integration, body, integration.secret);
      expect(failed.status, failed.text).toBe(500);
      expect(failed.text).not.toContain('status log unavailable');
      expect(await statusOf(service.slug)).toBe('operational');
      const [row] =
        await t.sql`select count(*)::int as n from integration_alerts where integration_id = ${integration.id}`;
      expect(row?.n).toBe(0);
    } finally {
      await t.sql.unsafe(`drop trigger ${fn} on service_status_log; drop function ${fn}();`);
    }
    // Alertmanager retries the same payload: applied now, once.
    expect((await send(integration, body)).applied).toBe(1);
    expect(await statusOf(service.slug)).toBe('major_outage');
    expect(await webhookEntries(service.slug)).toHaveLength(1);
  });

  it('the endpoints are tRPC procedures too, authenticated the same way', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration({ kind: 'generic' });
    const input = { id: integration.id, service: service.slug, status: 'degraded' };
    expect((await t.http.post('/trpc/integrations.receiveGeneric', { body: input })).status).toBe(401);
    const ok = await t.http.post('/trpc/integrations.receiveGeneric', {
      body: input,
      headers: { authorization: `Bearer ${integration.secret}` },
    });
    expect(ok.status, ok.text).toBe(200);
    expect(ok.body.result.data.data.changed_services).toEqual([service.slug]);
    expect(await statusOf(service.slug)).toBe('degraded');
  });
});

describe('integrations rate limit', () => {
  const budget = 3;
  let small: Awaited<ReturnType<typeof startTestApi>>;
  beforeAll(async () => {
    small = await startTestApi({ RATE_LIMIT_INTEGRATION_REQUESTS: String(budget) });
  });
  afterAll(() => small.close());

  it('each endpoint accepts its budget of payloads per client, then 429 with Retry-After', async () => {
    const http = createHttp(small.url);
    const admin = await adminToken(http);
    const integration = dataOf<CreatedIntegration>(
      await http.post('/api/v1/integrations', { token: admin, body: { name: unique('rl'), kind: 'generic' } }),
      201,
    );
    const other = dataOf<CreatedIntegration>(
      await http.post('/api/v1/integrations', { token: admin, body: { name: unique('rl'), kind: 'generic' } }),
      201,
    );
    const path = (id: string) => `/api/v1/integrations/${id}/generic`;
    const body = { service: `no-such-${randomUUID()}`, status: 'degraded' };
    const headers = { authorization: `Bearer ${integration.secret}` };
    for (let i = 0; i < budget; i++)
      expect((await http.post(path(integration.id), { body, headers })).status).toBe(200);
    const refused = await http.post(path(integration.id), { body, headers });
    expectPlainError(refused, 429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another integration has its own budget.
    const ok = await http.post(path(other.id), { body, headers: { authorization: `Bearer ${other.secret}` } });
    expect(ok.status).toBe(200);
  });
});

describe('integrations grafana', () => {
  it('a Grafana contact point notification sets and restores the status', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration({ kind: 'grafana' });
    await send(integration, grafanaPayload([{ service: service.slug, severity: 'warning' }]));
    expect(await statusOf(service.slug)).toBe('degraded');
    await send(integration, grafanaPayload([{ service: service.slug, severity: 'warning' }]));
    expect(await webhookEntries(service.slug)).toHaveLength(1);
    await send(integration, grafanaPayload([{ service: service.slug, status: 'resolved' }]));
    expect(await statusOf(service.slug)).toBe('operational');
    expect((await webhookEntries(service.slug)).map((entry) => entry.integration_id)).toEqual([
      integration.id,
      integration.id,
    ]);
  });
});

describe('integrations generic', () => {
  it('{service, status, message} sets the status; operational clears it; the same status twice changes nothing', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration({ kind: 'generic' });
    const outage = { service: service.slug, status: 'partial_outage', message: 'checkout probe failing' };
    expect((await send(integration, outage)).applied).toBe(1);
    expect(await statusOf(service.slug)).toBe('partial_outage');
    expect(await send(integration, outage)).toMatchObject({ applied: 0, ignored: { duplicate: 1 } });
    await send(integration, { service: service.slug, status: 'operational' });
    expect(await statusOf(service.slug)).toBe('operational');
    const [latest] = await webhookEntries(service.slug);
    expect(latest?.reason).toBe('alert resolved: status operational');
    expectValidationError(
      await post(integration, { service: service.slug, status: 'maintenance' }, integration.secret),
      'status',
    );
  });
});

describe('integrations auto-incident', () => {
  it('opens one incident per alert group from the template, follows the alerts, resolves when all resolve', async () => {
    const api = await createService(t.http, t.admin);
    const db = await createService(t.http, t.admin);
    const template = dataOf<{ id: string }>(
      await t.http.post('/api/v1/templates', {
        token: t.admin,
        body: {
          slug: unique('alert-tpl'),
          type: 'incident',
          title_template: 'Trouble with {{.ServiceName}}',
          body_template: 'Our monitoring noticed a problem with {{.ServiceName}}.',
        },
      }),
      201,
    );
    const integration = await createIntegration({
      open_incidents: true,
      template_id: template.id,
      notify_subscribers: true,
    });
    const group = { groupKey: `{}:{alertname="HighErrorRate",run="${randomUUID()}"}` };
    const eventsOfGroup = async () =>
      t.sql`select e.id, e.status, e.title, e.description, e.severity, e.notify_subscribers, e.created_by
            from integration_incidents i join events e on e.id = i.event_id
            where i.integration_id = ${integration.id}`;

    await send(integration, alertmanagerPayload([{ service: api.slug, severity: 'warning', fingerprint: 'a' }], group));
    const [opened] = await eventsOfGroup();
    expect(opened).toMatchObject({
      status: 'investigating',
      title: `Trouble with Service ${api.slug}`,
      description: `Our monitoring noticed a problem with Service ${api.slug}.`,
      severity: 'minor',
      notify_subscribers: true,
      created_by: t.adminId,
    });
    const eventId = opened?.id as string;
    expect((await getService(t.http, api.slug)).effective_status).toBe('degraded');
    // The incident speaks for the service: the alerts log nothing of their own.
    expect(await webhookEntries(api.slug)).toEqual([]);

    // Resent: nothing new on the timeline.
    await send(integration, alertmanagerPayload([{ service: api.slug, severity: 'warning', fingerprint: 'a' }], group));
    const updates = async () =>
      t.sql`select status, message from event_updates where event_id = ${eventId} order by created_at, id`;
    expect(await updates()).toHaveLength(1);

    // A second alert of the group on another service, a worse one: the incident follows.
    await send(
      integration,
      alertmanagerPayload(
        [
          { service: api.slug, severity: 'warning', fingerprint: 'a' },
          { service: db.slug, severity: 'critical', fingerprint: 'b' },
        ],
        group,
      ),
    );
    expect(await eventsOfGroup()).toHaveLength(1);
    const detail = dataOf<{ service_ids: string[] }>(await t.http.get(`/api/v1/events/${eventId}`));
    expect(detail.service_ids.sort()).toEqual([api.id, db.id].sort());
    expect((await getService(t.http, db.slug)).effective_status).toBe('major_outage');
    expect(await updates()).toHaveLength(2);

    // The first alert resolves: its service leaves the incident.
    await send(
      integration,
      alertmanagerPayload(
        [
          { service: api.slug, fingerprint: 'a', status: 'resolved' },
          { service: db.slug, severity: 'critical', fingerprint: 'b' },
        ],
        group,
      ),
    );
    const after = dataOf<{ service_ids: string[]; status: string }>(await t.http.get(`/api/v1/events/${eventId}`));
    expect(after.service_ids).toEqual([db.id]);
    expect((await getService(t.http, api.slug)).effective_status).toBe('operational');

    // All resolved: the incident is resolved, the services operational.
    await send(integration, alertmanagerPayload([{ service: db.slug, fingerprint: 'b', status: 'resolved' }], group));
    const closed = dataOf<{ status: string; resolved_at: string | null }>(
      await t.http.get(`/api/v1/events/${eventId}`),
    );
    expect(closed.status).toBe('resolved');
    expect(closed.resolved_at).not.toBeNull();
    expect(await eventsOfGroup()).toEqual([]);
    expect((await getService(t.http, db.slug)).effective_status).toBe('operational');
    const timeline = await updates();
    expect(timeline.at(-1)).toEqual({ status: 'resolved', message: 'All alerts resolved.' });
    // The integration notifies: the incident's messages were queued for its subscribers, as for a person's incident.
    const messages =
      await t.sql`select kind from notification_messages where event_id = ${eventId} order by created_at`;
    expect(messages.map((message) => message.kind)).toContain('initial');
    expect(messages.length).toBeGreaterThanOrEqual(2);

    // Firing again opens a new incident.
    await send(integration, alertmanagerPayload([{ service: api.slug, fingerprint: 'c' }], group));
    const [again] = await eventsOfGroup();
    expect(again?.id).not.toBe(eventId);
  });

  it('an incident closed by a person is not reopened by resends; a new firing alert opens a new one', async () => {
    const service = await createService(t.http, t.admin);
    const integration = await createIntegration({ open_incidents: true });
    const group = { groupKey: `{}:{run="${randomUUID()}"}` };
    await send(integration, alertmanagerPayload([{ service: service.slug, fingerprint: 'a' }], group));
    const [link] = await t.sql`select event_id from integration_incidents where integration_id = ${integration.id}`;
    const eventId = link?.event_id as string;
    const event = dataOf<{ title: string; severity: string }>(await t.http.get(`/api/v1/events/${eventId}`));
    expect(event).toMatchObject({ title: 'HighErrorRate: More than 5% of requests fail', severity: 'critical' });
    await addUpdate(t.http, t.operator.token, eventId, { status: 'resolved', message: 'handled by hand' });
    await send(integration, alertmanagerPayload([{ service: service.slug, fingerprint: 'a' }], group));
    const [still] = await t.sql`select event_id from integration_incidents where integration_id = ${integration.id}`;
    expect(still?.event_id).toBe(eventId);
    await send(
      integration,
      alertmanagerPayload(
        [
          { service: service.slug, fingerprint: 'a' },
          { service: service.slug, fingerprint: 'b' },
        ],
        group,
      ),
    );
    const [fresh] = await t.sql`select event_id from integration_incidents where integration_id = ${integration.id}`;
    expect(fresh?.event_id).not.toBe(eventId);
  });
});
