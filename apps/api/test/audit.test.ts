import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { alertmanagerPayload } from './data/alert-payloads';
import { unique } from './support/api';
import { dataOf, expectValidationError } from './support/catalog';
import type { RequestOptions } from './support/client';
import { getStatusLog, incidentBody } from './support/events';
import { createService, login } from './support/factories';
import { useApiFixture } from './support/fixture';
import { verifiedEmailChannel } from './support/notifications';
import { clientAddresses, subscribeForms } from './support/subscribe-forms';

// The audit log over HTTP: every kind of change (catalogue, events, templates, users, settings,
// keys, integrations, subscribers, channels) is recorded with who made it, from where, by which
// operation and what changed — secrets never —, and reads record nothing. Each request carries its
// own X-Request-Id, so the entries it made are found by `request_id` whatever other files do.

const t = useApiFixture({ RATE_LIMIT_INTEGRATION_REQUESTS: '1000' });
const newIp = clientAddresses('198.51');
const forms = subscribeForms(t, newIp);

interface Entry {
  id: string;
  at: string;
  actor: { type: string; id: string | null; user_id: string | null; label: string | null };
  ip: string | null;
  request_id: string | null;
  operation: string | null;
  action: 'insert' | 'update' | 'delete';
  target: { type: string; id: string };
  changes: Record<string, { old?: unknown; new?: unknown }>;
}
interface Page {
  entries: Entry[];
  next_cursor: string | null;
}

async function audit(query: Record<string, string>): Promise<Page> {
  return dataOf<Page>(await t.http.get(`/api/v1/admin/audit?${new URLSearchParams(query)}`, { token: t.admin }));
}

/** One request with its own request id; `entries()` lists what it changed, oldest first. */
async function act(method: string, path: string, options: RequestOptions = {}) {
  const requestId = `audit-${randomUUID()}`;
  const response = await t.http.request(method, path, {
    ...options,
    headers: { ...(options.headers ?? {}), 'x-request-id': requestId },
  });
  return {
    response,
    requestId,
    async entries() {
      return (await audit({ request_id: requestId, limit: '200' })).entries.reverse();
    },
  };
}

/** `action target` of each entry, sorted: what a request changed, at a glance. */
const kinds = (entries: Entry[]) => entries.map((entry) => `${entry.action} ${entry.target.type}`).sort();
const only = (entries: Entry[], type: string) => entries.filter((entry) => entry.target.type === type);

function expectAdmin(entry: Entry | undefined) {
  expect(entry?.actor).toEqual({ type: 'user', id: t.adminId, user_id: t.adminId, label: 'admin@example.com' });
}

describe('the audit log records every kind of change', () => {
  it('catalogue: who created, changed, tagged, grouped and archived a service, with only the changed fields', async () => {
    const slug = unique('aud');
    const before = Date.now();
    const created = await act('POST', '/api/v1/services', {
      token: t.admin,
      body: { name: 'Checkout', slug, description: 'Payments' },
    });
    const service = dataOf<{ id: string }>(created.response, 201);
    const [insert] = await created.entries();
    expect(kinds(await created.entries())).toEqual(['insert service']);
    expectAdmin(insert);
    expect(insert).toMatchObject({
      request_id: created.requestId,
      operation: 'services.create',
      target: { type: 'service', id: service.id },
    });
    expect(insert?.ip).toMatch(/127\.0\.0\.1|::1/);
    expect(Date.parse(insert?.at ?? '')).toBeGreaterThanOrEqual(before - 1000);
    expect(insert?.changes).toMatchObject({
      name: { new: 'Checkout' },
      slug: { new: slug },
      description: { new: 'Payments' },
      status: { new: 'operational' },
    });

    const updated = await act('PATCH', `/api/v1/services/${slug}`, {
      token: t.admin,
      body: { name: 'Checkout', slug, status: 'major_outage', description: 'Card payments' },
    });
    expect(updated.response.status, updated.response.text).toBe(200);
    const [change] = await updated.entries();
    expect(change).toMatchObject({ action: 'update', operation: 'services.update' });
    expect(change?.changes).toEqual({
      status: { old: 'operational', new: 'major_outage' },
      description: { old: 'Payments', new: 'Card payments' },
    });

    const tagged = await act('PUT', `/api/v1/services/${slug}/tags`, { token: t.admin, body: { tags: { tier: '1' } } });
    expect(tagged.response.status).toBe(200);
    const [tag] = await tagged.entries();
    expect(tag).toMatchObject({ action: 'insert', target: { type: 'service_tag', id: `${service.id}:tier` } });
    expect(tag?.changes).toMatchObject({ key: { new: 'tier' }, value: { new: '1' } });

    const madeGroup = await act('POST', '/api/v1/groups', {
      token: t.admin,
      body: { name: 'Payments', slug: unique('audgrp') },
    });
    const group = dataOf<{ id: string }>(madeGroup.response, 201);
    expect(kinds(await madeGroup.entries())).toEqual(['insert group']);
    const grouped = await act('PATCH', `/api/v1/services/${slug}`, {
      token: t.admin,
      body: { name: 'Checkout', slug, status: 'major_outage', group_ids: [group.id] },
    });
    expect(grouped.response.status).toBe(200);
    expect((await grouped.entries()).map((entry) => [entry.action, entry.target])).toEqual([
      ['insert', { type: 'group_member', id: `${group.id}:${service.id}` }],
    ]);

    const archived = await act('DELETE', `/api/v1/services/${slug}`, { token: t.admin });
    expect(archived.response.status).toBeLessThan(300);
    const [archiving] = await archived.entries();
    expect(archiving).toMatchObject({ action: 'update', operation: 'services.archive', target: { id: service.id } });
    expect(archiving?.changes.archived_at).toMatchObject({ old: null, new: expect.any(String) });
  });

  it('events: opening, updating, editing and deleting an incident, as the operator who did it', async () => {
    const service = await createService(t.http, t.admin);
    const opened = await act('POST', '/api/v1/events', {
      token: t.operator.token,
      body: incidentBody({
        title: 'Checkout errors',
        affected_services: [{ service_id: service.id, status: 'partial_outage' }],
      }),
    });
    const event = dataOf<{ id: string }>(opened.response, 201);
    const opening = await opened.entries();
    expect(kinds(opening)).toEqual(
      expect.arrayContaining(['insert event', 'insert event_service', 'insert event_update']),
    );
    for (const entry of opening) {
      expect(entry.actor).toEqual({
        type: 'user',
        id: t.operator.id,
        user_id: t.operator.id,
        label: t.operator.email,
      });
      expect(entry.operation).toBe('events.create');
    }
    expect(only(opening, 'event')[0]?.changes).toMatchObject({ title: { new: 'Checkout errors' } });

    const posted = await act('POST', `/api/v1/events/${event.id}/updates`, {
      token: t.operator.token,
      body: { status: 'identified', message: 'A bad deploy' },
    });
    expect(posted.response.status).toBe(201);
    const posting = await posted.entries();
    expect(kinds(posting)).toEqual(expect.arrayContaining(['insert event_update', 'update event']));
    expect(only(posting, 'event')[0]?.changes.status).toEqual({ old: 'investigating', new: 'identified' });

    const edited = await act('PATCH', `/api/v1/events/${event.id}`, {
      token: t.operator.token,
      body: { title: 'Checkout errors after a deploy' },
    });
    expect(edited.response.status).toBe(200);
    expect(only(await edited.entries(), 'event')[0]?.changes).toEqual({
      title: { old: 'Checkout errors', new: 'Checkout errors after a deploy' },
    });

    const resolved = await t.http.post(`/api/v1/events/${event.id}/updates`, {
      token: t.operator.token,
      body: { status: 'resolved', message: 'Fixed' },
    });
    expect(resolved.status).toBe(201);
    const deleted = await act('DELETE', `/api/v1/events/${event.id}`, { token: t.admin });
    expect(deleted.response.status).toBe(204);
    const deleting = await deleted.entries();
    expect(kinds(deleting)).toEqual(
      expect.arrayContaining(['delete event', 'delete event_service', 'delete event_update']),
    );
    expect(only(deleting, 'event')[0]?.changes.title).toEqual({ old: 'Checkout errors after a deploy' });
  });

  it('templates: created and deleted', async () => {
    const slug = unique('audtpl');
    const created = await act('POST', '/api/v1/templates', {
      token: t.admin,
      body: { slug, type: 'incident', title_template: '{{.ServiceName}} is down', body_template: 'Looking into it.' },
    });
    const template = dataOf<{ id: string }>(created.response, 201);
    expect((await created.entries()).map((entry) => [entry.action, entry.target, entry.operation])).toEqual([
      ['insert', { type: 'template', id: template.id }, 'templates.create'],
    ]);
    const deleted = await act('DELETE', `/api/v1/templates/${template.id}`, { token: t.admin });
    expect(deleted.response.status).toBe(204);
    expect(kinds(await deleted.entries())).toEqual(['delete template']);
  });

  it('users and their own accounts: every password change recorded, no password hash ever', async () => {
    const email = `${unique('auduser')}@example.test`;
    const created = await act('POST', '/api/v1/users', {
      token: t.admin,
      body: { email, password: 'first-password-1', role: 'user' },
    });
    const user = dataOf<{ id: string }>(created.response, 201);
    const creating = await created.entries();
    // The account and its default e-mail channel, in one transaction.
    expect(kinds(creating)).toEqual(['insert channel', 'insert user']);
    expect(only(creating, 'user')[0]?.changes).toMatchObject({
      email: { new: email },
      role: { new: 'user' },
      password_hash: { new: '[redacted]' },
    });

    const promoted = await act('PATCH', `/api/v1/users/${user.id}`, { token: t.admin, body: { role: 'operator' } });
    expect(promoted.response.status).toBe(200);
    expect(only(await promoted.entries(), 'user')[0]?.changes).toEqual({ role: { old: 'user', new: 'operator' } });

    const reset = await act('POST', `/api/v1/users/${user.id}/reset-password`, {
      token: t.admin,
      body: { new_password: 'second-password-2' },
    });
    expect(reset.response.status).toBeLessThan(300);
    expect(only(await reset.entries(), 'user')[0]?.changes.password_hash).toEqual({
      old: '[redacted]',
      new: '[redacted]',
    });

    const token = await login(t.http, email, 'second-password-2');
    const own = await act('PUT', '/api/v1/me/password', {
      token,
      body: { current_password: 'second-password-2', new_password: 'third-password-3' },
    });
    expect(own.response.status).toBeLessThan(300);
    const changing = only(await own.entries(), 'user');
    expect(changing[0]?.actor).toEqual({ type: 'user', id: user.id, user_id: user.id, label: email });
    expect(changing[0]?.changes.password_hash).toEqual({ old: '[redacted]', new: '[redacted]' });

    const everything = JSON.stringify([creating, await reset.entries(), await own.entries()]);
    expect(everything).not.toMatch(/\$argon2|first-password|second-password|third-password/);
  });

  it('page settings: a change is recorded, the same settings again are not', async () => {
    const body = { name: `Audited ${unique('page')}`, time_zone: 'Europe/Berlin' };
    const first = await act('PUT', '/api/v1/settings/page', { token: t.admin, body });
    expect(first.response.status).toBe(200);
    const [entry] = await first.entries();
    expect(entry).toMatchObject({ target: { type: 'page_settings', id: '1' }, operation: 'settings.updatePage' });
    expect(entry?.changes.name?.new).toBe(body.name);
    const again = await act('PUT', '/api/v1/settings/page', { token: t.admin, body });
    expect(again.response.status).toBe(200);
    expect(await again.entries()).toEqual([]);
  });

  it('API keys: creation and revocation by their owner, and what a key changes is the key’s (on behalf of its owner)', async () => {
    const created = await act('POST', '/api/v1/keys', {
      token: t.operator.token,
      body: { name: `deploy ${unique('k')}`, role: 'operator' },
    });
    const key = dataOf<{ id: string; secret: string }>(created.response, 201);
    const [insert] = await created.entries();
    expect(insert).toMatchObject({ action: 'insert', target: { type: 'api_key', id: key.id } });
    expect(insert?.changes.secret_hash).toEqual({ new: '[redacted]' });
    expect(JSON.stringify(insert)).not.toContain(key.secret);

    const service = await createService(t.http, t.admin);
    const withKey = await act('POST', '/api/v1/events', {
      token: key.secret,
      body: incidentBody({ affected_services: [{ service_id: service.id, status: 'degraded' }] }),
    });
    expect(withKey.response.status).toBe(201);
    const made = await withKey.entries();
    expect(kinds(made)).toEqual(expect.arrayContaining(['insert event', 'insert event_update']));
    for (const entry of made)
      expect(entry.actor).toEqual({ type: 'api_key', id: key.id, user_id: t.operator.id, label: t.operator.email });

    const byActor = await audit({ actor_type: 'api_key', actor_id: key.id });
    expect(new Set(byActor.entries.map((entry) => entry.request_id))).toEqual(new Set([withKey.requestId]));

    const revoked = await act('DELETE', `/api/v1/keys/${key.id}`, { token: t.operator.token });
    expect(revoked.response.status).toBe(204);
    const [revoking] = await revoked.entries();
    expect(revoking).toMatchObject({ action: 'update', target: { type: 'api_key', id: key.id } });
    expect(Object.keys(revoking?.changes ?? {})).toEqual(['revoked_at']);
  });

  it('integrations: managed by an admin; what a payload changes is the integration’s, beside its status-log entry', async () => {
    const service = await createService(t.http, t.admin);
    const created = await act('POST', '/api/v1/integrations', {
      token: t.admin,
      body: { name: `Prometheus ${unique('int')}`, kind: 'alertmanager' },
    });
    const integration = dataOf<{ id: string; secret: string }>(created.response, 201);
    const [insert] = await created.entries();
    expect(insert?.changes.secret_hash).toEqual({ new: '[redacted]' });
    expect(JSON.stringify(insert)).not.toContain(integration.secret);

    const renamed = await act('PATCH', `/api/v1/integrations/${integration.id}`, {
      token: t.admin,
      body: { name: 'Prometheus (prod)' },
    });
    expect(renamed.response.status).toBe(200);
    expect(Object.keys((await renamed.entries())[0]?.changes ?? {})).toEqual(['name']);

    const rotated = await act('POST', `/api/v1/integrations/${integration.id}/rotate-secret`, { token: t.admin });
    const secret = dataOf<{ secret: string }>(rotated.response).secret;
    expect((await rotated.entries())[0]?.changes.secret_hash).toEqual({ old: '[redacted]', new: '[redacted]' });

    const fired = await act('POST', `/api/v1/integrations/${integration.id}/alertmanager`, {
      body: alertmanagerPayload([{ service: service.slug, severity: 'critical' }]),
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(fired.response.status).toBe(200);
    const [moved] = await fired.entries();
    expect(moved).toMatchObject({
      actor: { type: 'integration', id: integration.id, user_id: null, label: null },
      operation: 'integrations.receiveAlertmanager',
      action: 'update',
      target: { type: 'service', id: service.id },
      changes: { status: { old: 'operational', new: 'major_outage' } },
    });
    const [logged] = await getStatusLog(t.http, t.operator.token, service.slug);
    expect(logged).toMatchObject({
      source_type: 'webhook',
      integration_id: integration.id,
      new_status: 'major_outage',
    });

    const wrong = await act('POST', `/api/v1/integrations/${integration.id}/alertmanager`, {
      body: alertmanagerPayload([{ service: service.slug, status: 'resolved' }]),
      headers: { authorization: 'Bearer sp_int_wrong' },
    });
    expect(wrong.response.status).toBe(401);
    expect(await wrong.entries()).toEqual([]);

    const deleted = await act('DELETE', `/api/v1/integrations/${integration.id}`, { token: t.admin });
    expect(deleted.response.status).toBe(204);
    expect(kinds(await deleted.entries())).toEqual(['delete integration']);
  });

  it('subscribers: a visitor subscribes and confirms (from their ip, no account); an admin removes them', async () => {
    const email = `${unique('audsub')}@example.test`;
    const ip = newIp();
    const subscribed = await act('POST', '/api/v1/subscribers', {
      body: { email, subscribe_to_all_services: true },
      headers: { 'x-forwarded-for': ip },
    });
    expect(subscribed.response.status).toBe(200);
    const subscribing = await subscribed.entries();
    // The rows are written, then given their choice and confirmation token: each write is an entry.
    expect(kinds(subscribing)).toEqual(['insert channel', 'insert subscriber', 'update channel', 'update subscriber']);
    for (const entry of subscribing) {
      expect(entry.actor).toEqual({ type: 'anonymous', id: null, user_id: null, label: null });
      expect(entry.ip).toBe(ip);
    }
    const [subscriber, confirmation] = only(subscribing, 'subscriber');
    expect(subscriber?.changes).toMatchObject({ email: { new: email }, ip_hash: { new: '[redacted]' } });
    expect(confirmation?.changes.confirm_token_hash).toEqual({ old: null, new: '[redacted]' });

    const token = await forms.confirmTokenOf(email);
    const confirmed = await act('POST', '/api/v1/subscribers/confirm', { body: { token } });
    expect(confirmed.response.status).toBe(200);
    expect(only(await confirmed.entries(), 'subscriber')[0]?.changes.state).toEqual({
      old: 'pending',
      new: 'confirmed',
    });
    expect(JSON.stringify(await confirmed.entries())).not.toContain(token);

    const id = subscriber?.target.id ?? '';
    const channelId = only(subscribing, 'channel')[0]?.target.id ?? '';
    const removed = await act('DELETE', `/api/v1/admin/subscribers/${channelId}`, { token: t.admin });
    expect(removed.response.status).toBe(204);
    const removing = await removed.entries();
    expect(kinds(removing)).toEqual(expect.arrayContaining(['delete channel', 'delete subscriber']));
    expectAdmin(removing[0]);

    const history = await audit({ target_type: 'subscriber', target_id: id });
    expect(history.entries.map((entry) => entry.action)).toEqual(['delete', 'update', 'update', 'insert']);
  });

  it('the subscribe form: the visitor, the form as the operation', async () => {
    const email = `${unique('audform')}@example.test`;
    const ip = newIp();
    const requestId = `audit-${randomUUID()}`;
    const response = await t.http.post('/subscribe', {
      raw: new URLSearchParams([
        ['email', email],
        ['subscribe_to_all_services', 'true'],
      ]).toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
        'x-forwarded-for': ip,
        'x-request-id': requestId,
      },
    });
    expect(response.status).toBe(200);
    const entries = (await audit({ request_id: requestId })).entries;
    expect(kinds(entries)).toEqual(['insert channel', 'insert subscriber', 'update channel', 'update subscriber']);
    expect(new Set(entries.map((entry) => JSON.stringify([entry.actor.type, entry.operation, entry.ip])))).toEqual(
      new Set([JSON.stringify(['anonymous', 'POST /subscribe', ip])]),
    );
  });

  it('channels of an account: a webhook URL is kept as its scheme and host only', async () => {
    const url = `https://chat.example.test/hooks/${randomUUID().replaceAll('-', '')}`;
    const created = await act('POST', '/api/v1/me/channels', {
      token: t.user.token,
      body: { type: 'mattermost', target: url },
    });
    const channel = dataOf<{ id: string }>(created.response, 201);
    const [insert] = await created.entries();
    expect(insert?.changes.target).toEqual({ new: 'https://chat.example.test/…' });
    expect(JSON.stringify(insert)).not.toContain('/hooks/');
    expect(insert?.actor.id).toBe(t.user.id);

    const disabled = await act('PATCH', `/api/v1/me/channels/${channel.id}`, {
      token: t.user.token,
      body: { is_enabled: false },
    });
    expect(disabled.response.status).toBe(200);
    expect((await disabled.entries())[0]?.changes).toEqual({ is_enabled: { old: true, new: false } });

    const deleted = await act('DELETE', `/api/v1/me/channels/${channel.id}`, { token: t.user.token });
    expect(deleted.response.status).toBe(204);
    const [deletion] = await deleted.entries();
    expect(deletion).toMatchObject({ action: 'delete', target: { type: 'channel', id: channel.id } });
    expect(deletion?.changes.target).toEqual({ old: 'https://chat.example.test/…' });
  });

  it('subscriptions of an account: following a service and following them all', async () => {
    const service = await createService(t.http, t.admin);
    const email = (await verifiedEmailChannel(t.http, t.sql, t.user.token)).id;
    const follow = await act('PUT', `/api/v1/me/channels/${email}/subscriptions`, {
      token: t.user.token,
      body: { service_ids: [service.id] },
    });
    expect(follow.response.status, follow.response.text).toBe(200);
    expect((await follow.entries()).map((entry) => [entry.action, entry.target, entry.actor.id])).toEqual([
      ['insert', { type: 'channel_service', id: `${email}:${service.id}` }, t.user.id],
    ]);
    const all = await act('PUT', `/api/v1/me/channels/${email}/subscriptions`, {
      token: t.user.token,
      body: { subscribe_to_all_services: true },
    });
    expect(all.response.status, all.response.text).toBe(200);
    expect(kinds(await all.entries())).toEqual(['delete channel_service', 'update channel']);
  });

  it('tRPC: the same procedure over /trpc is recorded the same', async () => {
    const slug = unique('audtrpc');
    const created = await act('POST', '/trpc/services.create', {
      token: t.admin,
      body: { name: 'Over tRPC', slug },
    });
    expect(created.response.status).toBe(200);
    const [entry] = await created.entries();
    expectAdmin(entry);
    expect(entry).toMatchObject({ action: 'insert', operation: 'services.create', target: { type: 'service' } });
    expect(entry?.changes.slug).toEqual({ new: slug });
  });
});

describe('the audit log records nothing else', () => {
  it('a refused write leaves no entry', async () => {
    const service = await createService(t.http, t.admin);
    const taken = await act('POST', '/api/v1/services', {
      token: t.admin,
      body: { name: 'Taken', slug: service.slug },
    });
    expect(taken.response.status).toBe(409);
    const invalid = await act('PATCH', `/api/v1/services/${service.slug}`, {
      token: t.admin,
      body: { status: 'on_fire' },
    });
    expect(invalid.response.status).toBe(400);
    const forbidden = await act('POST', '/api/v1/services', {
      token: t.user.token,
      body: { name: 'Nope', slug: unique('nope') },
    });
    expect(forbidden.response.status).toBe(403);
    for (const attempt of [taken, invalid, forbidden]) expect(await attempt.entries()).toEqual([]);
  });

  it('reads — by a person, a key, a visitor, or a sign-in — leave no entry', async () => {
    const service = await createService(t.http, t.admin);
    const key = dataOf<{ secret: string }>(
      await t.http.post('/api/v1/keys', { token: t.admin, body: { name: `reader ${unique('k')}`, role: 'admin' } }),
      201,
    );
    const reads: [string, string, RequestOptions][] = [
      ['GET', '/api/v1/services', { token: t.admin }],
      ['GET', `/api/v1/services/${service.slug}/status-log`, { token: t.operator.token }],
      ['GET', '/api/v1/events?type=incident', { token: t.admin }],
      ['GET', '/api/v1/users', { token: t.admin }],
      ['GET', '/api/v1/keys', { token: t.admin }],
      ['GET', '/api/v1/integrations', { token: t.admin }],
      ['GET', '/api/v1/admin/subscribers', { token: t.admin }],
      ['GET', '/api/v1/admin/audit', { token: t.admin }],
      // A key's use moves its last_used_at: bookkeeping, not a change.
      ['GET', '/api/v1/users', { token: key.secret }],
      ['GET', '/api/v1/me', { token: t.user.token }],
      ['GET', '/api/v1/me/subscriptions', { token: t.user.token }],
      ['GET', '/', {}],
      ['GET', `/services/${service.slug}`, {}],
      ['GET', '/api/v2/summary.json', {}],
      ['GET', '/history.rss', {}],
      ['POST', '/api/v1/auth/login', { body: { email: t.operator.email, password: t.operator.password } }],
    ];
    for (const [method, path, options] of reads) {
      const read = await act(method, path, options);
      expect(read.response.status, `${method} ${path}`).toBeLessThan(400);
      expect(await read.entries(), `${method} ${path}`).toEqual([]);
    }
  });
});

describe('GET /api/v1/admin/audit', () => {
  it('filters by target, actor and time, newest first, and pages with a cursor to the end', async () => {
    const service = await createService(t.http, t.admin);
    const key = dataOf<{ id: string; secret: string }>(
      await t.http.post('/api/v1/keys', { token: t.admin, body: { name: `editor ${unique('k')}`, role: 'admin' } }),
      201,
    );
    for (const name of ['One', 'Two', 'Three', 'Four'])
      expect(
        (
          await t.http.patch(`/api/v1/services/${service.slug}`, {
            token: key.secret,
            body: { name, slug: service.slug, status: 'operational' },
          })
        ).status,
      ).toBe(200);
    const all = await audit({ target_type: 'service', target_id: service.id });
    expect(all.next_cursor).toBeNull();
    expect(all.entries.map((entry) => entry.changes.name?.new)).toEqual([
      'Four',
      'Three',
      'Two',
      'One',
      expect.any(String),
    ]);
    expect(all.entries.map((entry) => entry.action)).toEqual(['update', 'update', 'update', 'update', 'insert']);

    const pages: Entry[][] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await audit({
        target_type: 'service',
        target_id: service.id,
        limit: '2',
        ...(cursor ? { cursor } : {}),
      });
      pages.push(page.entries);
      cursor = page.next_cursor;
    } while (cursor);
    expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all.entries);

    const target = { target_type: 'service', target_id: service.id };
    const byKey = await audit({ ...target, actor_type: 'api_key', actor_id: key.id });
    expect(byKey.entries.map((entry) => entry.changes.name?.new)).toEqual(['Four', 'Three', 'Two', 'One']);
    const byAdmin = await audit({ ...target, actor_type: 'user', actor_id: t.adminId });
    expect(byAdmin.entries.map((entry) => entry.action)).toEqual(['insert']);
    expect(
      (await audit({ target_id: service.id, operation: 'services.create', target_type: 'service' })).entries,
    ).toHaveLength(1);

    const created = all.entries.at(-1)?.at ?? '';
    const later = new Date(Date.parse(created) + 1).toISOString();
    const since = await audit({ target_type: 'service', target_id: service.id, since: later });
    expect(since.entries.map((entry) => entry.action)).not.toContain('insert');
    // `at` is kept to the microsecond, shown to the millisecond: the insert is within [created, later).
    const until = await audit({ target_type: 'service', target_id: service.id, until: later });
    expect(until.entries.map((entry) => entry.action)).toEqual(['insert']);
  });

  it('refuses a cursor it did not give, a range that ends before it starts, and unknown actor types (400)', async () => {
    const get = (query: string) => t.http.get(`/api/v1/admin/audit?${query}`, { token: t.admin });
    expectValidationError(await get('cursor=not-a-cursor'), 'cursor');
    expectValidationError(await get('since=2026-12-02T00:00:00Z&until=2026-12-01T00:00:00Z'), 'until');
    expectValidationError(await get('actor_type=robot'), 'actor_type');
    expectValidationError(await get('limit=0'), 'limit');
    expectValidationError(await get('since=yesterday'), 'since');
  });
});
