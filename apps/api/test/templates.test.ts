import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { dataOf, expectPlainError, expectValidationError, RFC3339_UTC, UUID } from './support/catalog';
import { createHttp, type Http, type HttpResult } from './support/client';
import { adminToken, createAccount } from './support/factories';

/** The contract's `EventTemplate`. */
interface WireTemplate {
  id: string;
  slug: string;
  type: 'incident' | 'maintenance';
  title_template: string;
  body_template: string;
  created_at: string;
  updated_at: string;
}

const templateKeys = ['body_template', 'created_at', 'id', 'slug', 'title_template', 'type', 'updated_at'];

/** A contract `EventTemplate`: every field present, snake_case, nothing else. */
function expectTemplateShape(template: unknown): asserts template is WireTemplate {
  expect(template).toBeTypeOf('object');
  const value = template as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(templateKeys);
  expect(value.id).toMatch(UUID);
  expect(value.slug).toBeTypeOf('string');
  expect(['incident', 'maintenance']).toContain(value.type);
  expect(value.title_template).toBeTypeOf('string');
  expect(value.body_template).toBeTypeOf('string');
  expect(value.created_at).toMatch(RFC3339_UTC);
  expect(value.updated_at).toMatch(RFC3339_UTC);
}

/** A 400 whose details are exactly one `{field, message}` per named field, messages matching. */
function expectFieldErrors(response: HttpResult, expected: Record<string, RegExp | string>) {
  expectValidationError(response, ...Object.keys(expected));
  const details = response.body.error.details as { field: string; message: string }[];
  expect(details.map((detail) => detail.field).sort(), response.text).toEqual(Object.keys(expected).sort());
  for (const [field, message] of Object.entries(expected)) {
    const detail = details.find((item) => item.field === field);
    if (typeof message === 'string') expect(detail?.message).toBe(message);
    else expect(detail?.message).toMatch(message);
  }
}

describe('templates', () => {
  let api: ApiServer;
  let http: Http;
  let admin: string;
  let operator: string;
  let user: string;

  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
    admin = await adminToken(http);
    operator = (await createAccount(http, 'operator')).token;
    user = (await createAccount(http, 'user')).token;
  });
  afterAll(() => api.close());

  const templateBody = (changes: Record<string, unknown> = {}) => ({
    slug: unique('tpl'),
    type: 'incident',
    title_template: '{{.ServiceName}} is degraded',
    body_template: 'We are investigating problems with {{ .ServiceName }} since {{.StartedAt}}.',
    ...changes,
  });
  const createTemplate = async (changes: Record<string, unknown> = {}) =>
    dataOf<WireTemplate>(await http.post('/api/v1/templates', { token: admin, body: templateBody(changes) }), 201);
  const listTemplates = async (token = operator) =>
    dataOf<WireTemplate[]>(await http.get('/api/v1/templates', { token }));
  const expectNoTemplate = async (slug: string) => {
    expectPlainError(await http.get(`/api/v1/templates/${slug}`, { token: admin }), 404);
    expect((await listTemplates(admin)).map((template) => template.slug)).not.toContain(slug);
  };

  describe('templates create', () => {
    it('create answers 201 with the contract shape and stores the template', async () => {
      const body = templateBody({ type: 'maintenance' });
      const before = Date.now();
      const response = await http.post('/api/v1/templates', { token: admin, body });
      const template = dataOf<WireTemplate>(response, 201);
      expectTemplateShape(template);
      expect(template).toMatchObject({
        slug: body.slug,
        type: 'maintenance',
        title_template: body.title_template,
        body_template: body.body_template,
      });
      expect(template.updated_at).toBe(template.created_at);
      expect(Date.parse(template.created_at)).toBeGreaterThanOrEqual(before - 5_000);
      expect(Date.parse(template.created_at)).toBeLessThanOrEqual(Date.now() + 5_000);
      expect(response.headers.get('content-type')).toContain('application/json');
      expect(dataOf(await http.get(`/api/v1/templates/${body.slug}`, { token: admin }))).toEqual(template);
    });

    it('create keeps the text exactly: every macro, whitespace in braces, new lines, an empty body', async () => {
      const title = '[{{.ServiceGroupName}}] {{ .ServiceName }} {x}';
      const multiline = 'Start {{.ScheduledStart}}\nEnd {{\t.ScheduledEnd }}\nDone {{.ResolvedAt}} / {{.StartedAt}}';
      const first = await createTemplate({ title_template: title, body_template: multiline });
      expect(first.title_template).toBe(title);
      expect(first.body_template).toBe(multiline);
      const second = await createTemplate({ title_template: 'Plain title', body_template: '' });
      expect(second.body_template).toBe('');
    });

    it('create answers 400 for an unknown macro in the title, naming it and its position; nothing is created', async () => {
      const body = templateBody({ title_template: 'Outage of {{.Foo}}' });
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectFieldErrors(response, {
        title_template:
          /^unknown macro "\{\{\.Foo\}\}" \(expected one of \{\{\.ServiceName\}\}.*\) at line 1, column 11$/,
      });
      expect(response.body.error.message).toContain('title_template');
      await expectNoTemplate(body.slug);
    });

    it('create answers 400 for an unclosed "{{" in the body; nothing is created', async () => {
      const body = templateBody({ body_template: 'Line one\nResolved at {{ .ResolvedAt' });
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectFieldErrors(response, { body_template: 'unclosed "{{" at line 2, column 13' });
      await expectNoTemplate(body.slug);
    });

    it('create answers 400 for a stray "}}" in the body; nothing is created', async () => {
      const body = templateBody({ body_template: 'All good }} now' });
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectFieldErrors(response, { body_template: '"}}" without an opening "{{" at line 1, column 10' });
      await expectNoTemplate(body.slug);
    });

    it.each([
      ['a condition', '{{if .ResolvedAt}}resolved{{end}}', /^"\{\{if \.ResolvedAt\}\}" is not a macro/],
      ['a field without its dot', '{{ServiceName}}', /^"\{\{ServiceName\}\}" is not a macro/],
      ['an empty action', 'x {{}} y', /^empty action "\{\{\}\}"/],
      ['a macro in the wrong case', '{{.servicename}}', /^unknown macro "\{\{\.servicename\}\}"/],
    ])('create answers 400 for %s in the title', async (_name, title, message) => {
      const body = templateBody({ title_template: title });
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectFieldErrors(response, { title_template: message });
      await expectNoTemplate(body.slug);
    });

    it('create names both fields when title and body are both broken', async () => {
      const body = templateBody({ title_template: '{{.Nope}}', body_template: '{{.ServiceName' });
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectFieldErrors(response, {
        title_template: /^unknown macro "\{\{\.Nope\}\}"/,
        body_template: 'unclosed "{{" at line 1, column 1',
      });
      await expectNoTemplate(body.slug);
    });

    it.each([
      ['a slug with capitals', { slug: 'Bad-Slug' }, 'slug'],
      ['an unknown type', { type: 'outage' }, 'type'],
      ['an empty title', { title_template: '' }, 'title_template'],
      ['a title that is not a string', { title_template: 42 }, 'title_template'],
      ['an unknown field', { severity: 'major' }, 'severity'],
    ])('create answers 400 for %s', async (_name, changes, field) => {
      const body = templateBody(changes);
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectValidationError(response, field);
      await expectNoTemplate(body.slug as string);
    });

    it('create answers 400 naming a missing body_template', async () => {
      const { body_template: _omitted, ...body } = templateBody();
      const response = await http.post('/api/v1/templates', { token: admin, body });
      expectValidationError(response, 'body_template');
      await expectNoTemplate(body.slug);
    });

    it('create answers 409 for a slug that is taken and keeps the original', async () => {
      const existing = await createTemplate({ title_template: 'the original' });
      const response = await http.post('/api/v1/templates', {
        token: admin,
        body: templateBody({ slug: existing.slug, type: 'maintenance', title_template: 'impostor' }),
      });
      expectPlainError(response, 409);
      const same = (await listTemplates()).filter((template) => template.slug === existing.slug);
      expect(same).toEqual([existing]);
    });

    it('create answers 401 without credentials and 403 for operators and users; nothing is created', async () => {
      const body = templateBody();
      expectPlainError(await http.post('/api/v1/templates', { body }), 401);
      expectPlainError(await http.post('/api/v1/templates', { token: user, body }), 403);
      expectPlainError(await http.post('/api/v1/templates', { token: operator, body }), 403);
      await expectNoTemplate(body.slug);
    });
  });

  describe('templates list', () => {
    it('list answers every template in the contract shape, ordered by slug', async () => {
      const base = unique('tpl-list');
      const b = await createTemplate({ slug: `${base}-b` });
      const a = await createTemplate({ slug: `${base}-a`, type: 'maintenance' });
      const c = await createTemplate({ slug: `${base}-c` });
      const list = await listTemplates();
      for (const template of list) expectTemplateShape(template);
      const slugs = list.map((template) => template.slug);
      expect(slugs).toEqual([...slugs].sort());
      expect(list.filter((template) => template.slug.startsWith(`${base}-`))).toEqual([a, b, c]);
    });

    it('list ignores unknown query parameters (cache busters)', async () => {
      const template = await createTemplate();
      const list = dataOf<WireTemplate[]>(await http.get('/api/v1/templates?_=12345', { token: operator }));
      expect(list).toContainEqual(template);
    });

    it('list answers 401 without credentials and 403 for users', async () => {
      expectPlainError(await http.get('/api/v1/templates'), 401);
      expectPlainError(await http.get('/api/v1/templates', { token: user }), 403);
    });
  });

  describe('templates get', () => {
    it('get answers the template by slug to operators', async () => {
      const created = await createTemplate({ type: 'maintenance', body_template: 'Window {{.ScheduledStart}}' });
      const template = dataOf<WireTemplate>(await http.get(`/api/v1/templates/${created.slug}`, { token: operator }));
      expectTemplateShape(template);
      expect(template).toEqual(created);
    });

    it('get answers 404 for an unknown slug', async () => {
      expectPlainError(await http.get(`/api/v1/templates/${unique('missing')}`, { token: operator }), 404);
    });

    it('get answers 401 without credentials and 403 for users', async () => {
      const created = await createTemplate();
      expectPlainError(await http.get(`/api/v1/templates/${created.slug}`), 401);
      expectPlainError(await http.get(`/api/v1/templates/${created.slug}`, { token: user }), 403);
    });
  });

  describe('templates preview', () => {
    const everyMacro = {
      title_template: '{{.ServiceName}} ({{ .ServiceGroupName }}) down',
      body_template:
        'Started {{.StartedAt}}, resolved {{.ResolvedAt}}.\nWindow {{.ScheduledStart}} - {{.ScheduledEnd}}.',
    };
    const preview = (slug: string, body?: unknown, token = operator) =>
      http.post(`/api/v1/templates/${slug}/preview`, { token, ...(body === undefined ? {} : { body }) });

    it('preview renders the given values, timestamps in UTC', async () => {
      const template = await createTemplate(everyMacro);
      const response = await preview(template.slug, {
        service_name: 'Billing API',
        service_group_name: 'Payments',
        started_at: '2026-11-27T15:04:05Z',
        resolved_at: '2026-11-27T18:30:00+02:00',
        scheduled_start: '2026-12-01T00:00:00.123Z',
        scheduled_end: '2026-12-01T03:09:59-01:00',
      });
      const rendered = dataOf<{ title: string; body: string }>(response);
      expect(Object.keys(rendered).sort()).toEqual(['body', 'title']);
      expect(rendered).toEqual({
        title: 'Billing API (Payments) down',
        body: 'Started 2026-11-27 15:04 UTC, resolved 2026-11-27 16:30 UTC.\nWindow 2026-12-01 00:00 UTC - 2026-12-01 04:09 UTC.',
      });
    });

    it('preview renders sample values for an empty body', async () => {
      const template = await createTemplate(everyMacro);
      expect(dataOf(await preview(template.slug, {}))).toEqual({
        title: 'Example service (Example group) down',
        body: 'Started 2026-01-15 09:30 UTC, resolved 2026-01-15 10:45 UTC.\nWindow 2026-01-20 22:00 UTC - 2026-01-21 02:00 UTC.',
      });
    });

    it('preview renders sample values for a request without a body', async () => {
      const template = await createTemplate({ title_template: '{{.ServiceName}}', body_template: '{{.ScheduledEnd}}' });
      expect(dataOf(await preview(template.slug))).toEqual({ title: 'Example service', body: '2026-01-21 02:00 UTC' });
    });

    it('preview uses sample values only for what the request leaves out', async () => {
      const template = await createTemplate(everyMacro);
      const rendered = dataOf(
        await preview(template.slug, { service_name: 'Search', started_at: '2026-05-04T03:02:01Z' }),
      );
      expect(rendered).toEqual({
        title: 'Search (Example group) down',
        body: 'Started 2026-05-04 03:02 UTC, resolved 2026-01-15 10:45 UTC.\nWindow 2026-01-20 22:00 UTC - 2026-01-21 02:00 UTC.',
      });
    });

    it('preview leaves text without macros as it is', async () => {
      const template = await createTemplate({ title_template: 'Planned work', body_template: 'No details {yet}.' });
      expect(dataOf(await preview(template.slug, { service_name: 'ignored' }))).toEqual({
        title: 'Planned work',
        body: 'No details {yet}.',
      });
    });

    it.each([
      ['started_at that is not a date-time', { started_at: 'yesterday' }, 'started_at'],
      ['resolved_at without a time zone', { resolved_at: '2026-11-27T15:04:05' }, 'resolved_at'],
      ['scheduled_start on a day that does not exist', { scheduled_start: '2026-02-30T10:00:00Z' }, 'scheduled_start'],
      ['scheduled_end as a number', { scheduled_end: 1_700_000_000 }, 'scheduled_end'],
      ['service_name that is not a string', { service_name: 5 }, 'service_name'],
      ['an unknown field', { service: 'Billing' }, 'service'],
      ['a slug in the body', { slug: 'other' }, 'slug'],
    ])('preview answers 400 for %s', async (_name, body, field) => {
      const template = await createTemplate(everyMacro);
      const response = await preview(template.slug, body);
      expectFieldErrors(response, { [field]: /.+/ });
    });

    it('preview answers 404 for an unknown slug', async () => {
      expectPlainError(await preview(unique('missing'), { service_name: 'x' }), 404);
    });

    it('preview answers 401 without credentials and 403 for users', async () => {
      const template = await createTemplate();
      expectPlainError(await http.post(`/api/v1/templates/${template.slug}/preview`, { body: {} }), 401);
      expectPlainError(await preview(template.slug, {}, user), 403);
    });
  });

  describe('templates delete', () => {
    it('delete answers 204 without a body; the template is gone everywhere', async () => {
      const template = await createTemplate();
      const response = await http.delete(`/api/v1/templates/${template.id}`, { token: admin });
      expect(response.status, response.text).toBe(204);
      expect(response.text).toBe('');
      expect(response.headers.get('content-type')).toBeNull();
      await expectNoTemplate(template.slug);
      expectPlainError(
        await http.post(`/api/v1/templates/${template.slug}/preview`, { token: operator, body: {} }),
        404,
      );
      expectPlainError(await http.delete(`/api/v1/templates/${template.id}`, { token: admin }), 404);
    });

    it('delete frees the slug for a new template', async () => {
      const template = await createTemplate();
      expect((await http.delete(`/api/v1/templates/${template.id}`, { token: admin })).status).toBe(204);
      const again = await createTemplate({ slug: template.slug, title_template: 'second' });
      expect(again.id).not.toBe(template.id);
      expect(dataOf(await http.get(`/api/v1/templates/${template.slug}`, { token: operator }))).toEqual(again);
    });

    it.each([
      ['a random uuid', () => randomUUID()],
      ['the nil uuid', () => '00000000-0000-0000-0000-000000000000'],
    ])('delete answers 404 for %s', async (_name, id) => {
      expectPlainError(await http.delete(`/api/v1/templates/${id()}`, { token: admin }), 404);
    });

    it('delete answers 404 for an id that is not a uuid (a slug is not an id)', async () => {
      const template = await createTemplate();
      expectPlainError(await http.delete(`/api/v1/templates/${template.slug}`, { token: admin }), 404);
      expect(dataOf(await http.get(`/api/v1/templates/${template.slug}`, { token: operator }))).toEqual(template);
    });

    it('delete answers 401 without credentials and 403 for operators and users; nothing is deleted', async () => {
      const template = await createTemplate();
      expectPlainError(await http.delete(`/api/v1/templates/${template.id}`), 401);
      expectPlainError(await http.delete(`/api/v1/templates/${template.id}`, { token: user }), 403);
      expectPlainError(await http.delete(`/api/v1/templates/${template.id}`, { token: operator }), 403);
      expect(dataOf(await http.get(`/api/v1/templates/${template.slug}`, { token: operator }))).toEqual(template);
    });
  });
});
