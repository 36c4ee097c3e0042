import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { unique } from './support/api';
import type { HttpResult } from './support/client';
import { useApiFixture } from './support/fixture';
import { expectError, registerAccount, signIn } from './support/identity';

const t = useApiFixture();

/** The `{message, details}` a tRPC error answer carries (under `error.error`). */
function trpcError(response: HttpResult) {
  return response.body?.error?.error as { message: string; details?: unknown } | undefined;
}

const trpcQuery = (procedure: string, input: unknown) =>
  t.http.get(`/trpc/${procedure}?input=${encodeURIComponent(JSON.stringify(input))}`);

/** Services with this slug (other files write services to the same database at the same time). */
async function servicesWithSlug(slug: string) {
  const [row] = await t.sql<{ n: number }[]>`select count(*)::int as n from services where slug = ${slug}`;
  return row?.n ?? 0;
}

describe('input strings', () => {
  const refused: [string, string][] = [
    ['NUL', 'a\u0000b'],
    ['a control character', 'a\u0001b'],
    ['escape', 'a\u001bb'],
    ['DEL', 'a\u007fb'],
    ['a lone high surrogate', 'a\ud800b'],
    ['a lone low surrogate', 'a\udc00b'],
  ];

  for (const [label, value] of refused) {
    it(`create refuses ${label} in a body string with 400 naming the field and stores nothing`, async () => {
      const slug = unique('svc');
      const response = await t.http.post('/api/v1/services', {
        token: t.admin,
        body: { name: 'Service', slug, description: value },
      });
      expectError(response, 400, 'fields');
      expect(response.body.error.details).toEqual([{ field: 'description', message: expect.any(String) }]);
      expect(await servicesWithSlug(slug)).toBe(0);
    });
  }

  it('names every offending field, nested ones and object keys included', async () => {
    const response = await t.http.post('/api/v1/services', {
      token: t.admin,
      body: { name: 'x\u0000', slug: unique('svc'), tags: { ok: 'a\u0000', 'k\u0000': 'v' } },
    });
    expectError(response, 400, 'fields');
    const fields = (response.body.error.details as { field: string }[]).map((detail) => detail.field);
    expect(fields).toEqual(['name', 'tags.k?', 'tags.ok']);
  });

  it('keeps tabs, line feeds, carriage returns and well-formed astral characters', async () => {
    const description = 'line one\r\nline\ttwo 🚀 é';
    const response = await t.http.post('/api/v1/services', {
      token: t.admin,
      body: { name: 'Service', slug: unique('svc'), description },
    });
    expect(response.status, response.text).toBe(201);
    expect(response.body.data.description).toBe(description);
  });

  it('refuses NUL with the details format of the operation (string details where documented)', async () => {
    const response = await t.http.post('/api/v1/auth/forgot-password', { body: { email: 'a\u0000@example.test' } });
    expectError(response, 400, 'string');
    expect(response.body.error.details).toContain('email');
  });

  it('refuses NUL in a registration (where it reached PostgreSQL: 500)', async () => {
    const response = await t.http.post('/api/v1/auth/register', {
      body: { email: `${unique('nul')}@example.test`, password: 'correct-horse-1', first_name: 'Ada\u0000' },
    });
    expectError(response, 400, 'fields');
    expect(response.body.error.details).toEqual([{ field: 'first_name', message: expect.any(String) }]);
  });

  it('refuses NUL in a REST query parameter', async () => {
    const response = await t.http.get('/api/v1/services?status=operational%00');
    expectError(response, 400, 'fields');
    expect(response.body.error.details).toEqual([{ field: 'status', message: expect.any(String) }]);
  });

  it('refuses NUL in a tRPC mutation', async () => {
    const mutation = await t.http.post('/trpc/services.create', {
      token: t.admin,
      body: { name: 'x', slug: unique('svc'), description: '\u0000' },
    });
    expect(mutation.status, mutation.text).toBe(400);
    expect(trpcError(mutation)?.details).toEqual([{ field: 'description', message: expect.any(String) }]);
  });

  it('answers 404 for a NUL in a path id over tRPC (an id that cannot exist), where it answered 500', async () => {
    const response = await trpcQuery('services.get', { slug: 'api\u0000' });
    expect(response.status, response.text).toBe(404);
  });
});

describe('input nesting', () => {
  const deepArray = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
  const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

  for (const [label, raw] of [
    ['an array 100,000 deep', deepArray(100_000)],
    ['an object 50,000 deep', deepObject(50_000)],
    ['a value 65 deep', `{"name":${deepArray(64)}}`],
  ] as const) {
    it(`refuses ${label} with 400 on REST and tRPC`, async () => {
      const rest = await t.http.post('/api/v1/auth/login', { raw });
      expectError(rest, 400, 'fields');
      expect(rest.body.error).toEqual({
        message: 'JSON body nested too deeply',
        details: [{ field: 'body', message: expect.any(String) }],
      });
      const trpc = await t.http.post('/trpc/auth.login', { raw });
      expect(trpc.status, trpc.text).toBe(400);
      expect(trpcError(trpc)?.message).toBe('JSON body nested too deeply');
    });
  }

  it('counts brackets inside strings as text', async () => {
    const response = await t.http.post('/api/v1/auth/login', {
      body: { email: `${'['.repeat(100)}@example.test`, password: '{'.repeat(200) },
    });
    expect(response.status, response.text).toBe(400);
    expect(response.body.error.message).toBe('validation failed');
  });

  it('refuses a deeply nested tRPC query input with 400', async () => {
    const input = JSON.parse(deepObject(200));
    const response = await trpcQuery('services.list', input);
    expect(response.status, response.text).toBe(400);
    expect(trpcError(response)?.message).toBe('JSON body nested too deeply');
  });
});

describe('input after authentication', () => {
  const bodies: [string, string][] = [
    ['malformed JSON', '{"name": '],
    ['a non-object root', '[1,2]'],
    ['null', 'null'],
    ['deep nesting', `${'['.repeat(10_000)}${']'.repeat(10_000)}`],
    ['NUL', '{"name":"\\u0000"}'],
    ['wrong types', '{"name":5,"slug":[]}'],
  ];
  for (const [label, raw] of bodies) {
    it(`answers 401 to anonymous and garbage-token callers sending ${label}, then 400 to an admin`, async () => {
      for (const token of [undefined, 'garbage']) {
        const options = token ? { raw, token } : { raw };
        expectError(await t.http.post('/api/v1/services', options), 401);
        expectError(await t.http.patch(`/api/v1/users/${randomUUID()}`, options), 401);
        const trpc = await t.http.post('/trpc/services.create', options);
        expect(trpc.status, trpc.text).toBe(401);
      }
      expectError(await t.http.post('/api/v1/services', { raw, token: t.user.token }), 403);
      const admin = await t.http.post('/api/v1/services', { raw, token: t.admin });
      expect(admin.status, admin.text).toBe(400);
      const trpc = await t.http.post('/trpc/services.create', { raw, token: t.admin });
      expect(trpc.status, trpc.text).toBe(400);
    });
  }
});

describe('path ids', () => {
  it('answers 404 for event ids that are not uuids, on every event path', async () => {
    for (const path of ['/api/v1/events/not-a-uuid', '/api/v1/events/123/updates', '/api/v1/events/x/changes']) {
      const response = await t.http.get(path);
      expectError(response, 404);
    }
    expectError(await t.http.patch('/api/v1/events/nope', { token: t.operator.token, body: { title: 'x' } }), 404);
    expectError(await t.http.delete('/api/v1/events/nope', { token: t.admin }), 404);
    expectError(await t.http.post('/api/v1/events/nope/updates', { token: t.operator.token, body: {} }), 404);
  });

  it('answers 404 for every other id that is not a uuid (users, channels, templates, deliveries)', async () => {
    expectError(await t.http.get('/api/v1/users/nope', { token: t.admin }), 404);
    expectError(await t.http.patch('/api/v1/users/nope', { token: t.admin, body: { first_name: 'X' } }), 404);
    expectError(
      await t.http.post('/api/v1/users/nope/reset-password', { token: t.admin, body: { new_password: 'x' } }),
      404,
    );
    expectError(await t.http.patch('/api/v1/me/channels/nope', { token: t.user.token, body: {} }), 404);
    expectError(await t.http.delete('/api/v1/templates/nope', { token: t.admin }), 404);
    expectError(await t.http.post('/api/v1/admin/notifications/deliveries/nope/retry', { token: t.admin }), 404);
  });

  it('answers 404 for an id that is not a uuid over tRPC too', async () => {
    const response = await trpcQuery('events.get', { id: 'not-a-uuid' });
    expect(response.status, response.text).toBe(404);
  });

  it('still authenticates first: 401 to an anonymous caller with an id that is not a uuid', async () => {
    expectError(await t.http.get('/api/v1/users/nope'), 401);
    expectError(await t.http.patch('/api/v1/events/nope', { body: { title: 'x' } }), 401);
  });
});

/**
 * One rule for every PATCH: a patch that changes nothing (an empty body, or
 * values equal to the current ones) writes nothing: 200 with the resource as
 * it was, `updated_at` unchanged. "No write" is read from the row's version
 * (PostgreSQL's xmin changes with every update of a row).
 */
describe('patches that change nothing', () => {
  type Table = 'users' | 'notification_channels' | 'events' | 'services' | 'service_groups';
  async function rowVersion(table: Table, id: string) {
    const rows = await t.sql.unsafe(`select xmin::text as version from ${table} where id = $1`, [id]);
    expect(rows).toHaveLength(1);
    return rows[0]?.version as string;
  }

  async function expectNoWrite(options: { path: string; token: string; body: object; table: Table; id: string }) {
    const { path, token, body, table, id } = options;
    const version = await rowVersion(table, id);
    const patched = await t.http.patch(path, { token, body });
    expect(patched.status, patched.text).toBe(200);
    expect(await rowVersion(table, id)).toBe(version);
    return patched.body.data as Record<string, unknown>;
  }

  async function signedUp(extra: Record<string, unknown> = {}) {
    const account = await registerAccount(t.http, extra);
    return { ...account, token: (await signIn(t.http, account.email, account.password)).access };
  }

  it('PATCH /me with an empty body or the same names', async () => {
    const account = await signedUp({ first_name: 'Ada', last_name: 'Lovelace' });
    const before = (await t.http.get('/api/v1/me', { token: account.token })).body.data;
    for (const body of [{}, { first_name: 'Ada' }, { first_name: 'Ada', last_name: 'Lovelace' }]) {
      const patched = await expectNoWrite({
        path: '/api/v1/me',
        token: account.token,
        body,
        table: 'users',
        id: account.id,
      });
      expect(patched).toEqual(before);
    }
  });

  it('PATCH /users/{id} with an empty body or the same values', async () => {
    const target = await registerAccount(t.http, { first_name: 'Grace' });
    const path = `/api/v1/users/${target.id}`;
    const before = (await t.http.get(path, { token: t.admin })).body.data;
    for (const body of [{}, { role: 'user' }, { is_active: true, first_name: 'Grace' }]) {
      const patched = await expectNoWrite({ path, token: t.admin, body, table: 'users', id: target.id });
      expect(patched).toEqual(before);
    }
  });

  it('PATCH /me/channels/{id} with an empty body or the same flag', async () => {
    const account = await signedUp();
    const channels = await t.http.get('/api/v1/me/channels', { token: account.token });
    const channel = channels.body.data[0] as Record<string, unknown> & { id: string };
    expect(channel?.id).toEqual(expect.any(String));
    for (const body of [{}, { is_enabled: channel.is_enabled }]) {
      const path = `/api/v1/me/channels/${channel.id}`;
      const patched = await expectNoWrite({
        path,
        token: account.token,
        body,
        table: 'notification_channels',
        id: channel.id,
      });
      expect(patched).toEqual(channel);
    }
  });

  it('PATCH /events/{id} with an empty body or the same title and description', async () => {
    const created = await t.http.post('/api/v1/events', {
      token: t.operator.token,
      body: { title: 'Quiet patch', type: 'incident', status: 'investigating', severity: 'minor', description: 'd' },
    });
    expect(created.status, created.text).toBe(201);
    const id = created.body.data.id as string;
    const before = (await t.http.get(`/api/v1/events/${id}`)).body.data;
    for (const body of [{}, { title: 'Quiet patch' }, { title: 'Quiet patch', description: 'd' }]) {
      const patched = await expectNoWrite({
        path: `/api/v1/events/${id}`,
        token: t.operator.token,
        body,
        table: 'events',
        id,
      });
      expect(patched.updated_at).toBe(before.updated_at);
    }
  });

  it('PATCH /services/{slug} and /groups/{slug} with the values they have', async () => {
    const group = (
      await t.http.post('/api/v1/groups', { token: t.admin, body: { name: 'Same group', slug: unique('grp') } })
    ).body.data as { id: string; slug: string };
    const service = (
      await t.http.post('/api/v1/services', {
        token: t.admin,
        body: { name: 'Same service', slug: unique('svc'), group_ids: [group.id] },
      })
    ).body.data as { id: string; slug: string };
    const serviceBefore = (await t.http.get(`/api/v1/services/${service.slug}`)).body.data;
    const logBefore = await t.sql`select id from service_status_log where service_id = ${service.id}`;
    for (const body of [
      { name: 'Same service', slug: service.slug, status: 'operational' },
      {
        name: 'Same service',
        slug: service.slug,
        status: 'operational',
        description: '',
        order: 0,
        group_ids: [group.id],
      },
    ]) {
      const path = `/api/v1/services/${service.slug}`;
      expect(await expectNoWrite({ path, token: t.admin, body, table: 'services', id: service.id })).toEqual(
        serviceBefore,
      );
    }
    expect(await t.sql`select id from service_status_log where service_id = ${service.id}`).toEqual(logBefore);
    const groupBefore = (await t.http.get(`/api/v1/groups/${group.slug}`)).body.data;
    for (const body of [
      { name: 'Same group', slug: group.slug },
      { name: 'Same group', slug: group.slug, order: 0, service_ids: [service.id] },
    ]) {
      const path = `/api/v1/groups/${group.slug}`;
      expect(await expectNoWrite({ path, token: t.admin, body, table: 'service_groups', id: group.id })).toEqual(
        groupBefore,
      );
    }
  });

  it('a patch that changes something still writes', async () => {
    const account = await signedUp({ first_name: 'Ada' });
    const version = await rowVersion('users', account.id);
    const patched = await t.http.patch('/api/v1/me', { token: account.token, body: { first_name: 'Augusta' } });
    expect(patched.body.data.first_name).toBe('Augusta');
    expect(await rowVersion('users', account.id)).not.toBe(version);
  });
});

/** A request whose target is sent exactly as written (fetch would resolve `..` and `%2E` itself). */
function rawRequest(method: string, target: string, options: { token?: string; body?: unknown } = {}) {
  const url = new URL(t.api.url);
  const body = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise<{ status: number; body: any }>((resolve, reject) => {
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: target,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}),
        },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk) => {
          text += chunk;
        });
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: text ? JSON.parse(text) : undefined }),
        );
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

describe('request paths', () => {
  it('routes duplicate slashes, dot segments and encoded unreserved characters like the normal path', async () => {
    const expected = await t.http.get('/api/v1/services/api');
    expect(expected.status).toBe(200);
    for (const target of [
      '/api/v1//services/api',
      '/api/../api/v1/services/api',
      '/api/v1/services/./api',
      '/api/v1/services/x/%2E%2E/api',
      '/api/v1/services/%61pi',
      '/api/v1/groups/../services/api?_=1',
    ]) {
      const response = await rawRequest('GET', target);
      expect(response.status, target).toBe(200);
      expect(response.body, target).toEqual(expected.body);
    }
  });

  it('authenticates a garbage token first on a protected operation reached through a non-normal path', async () => {
    for (const target of [
      '/api/v1/services//api/status-log',
      '/api/v1/services/x/../api/status-log',
      '/api/v1//users',
    ]) {
      const response = await rawRequest('GET', target, { token: 'garbage' });
      expect(response.status, target).toBe(401);
    }
    // Normalised, this is /api/v1/status-log: no operation there, for anyone.
    expect((await rawRequest('GET', '/api/v1/services/../status-log', { token: 'garbage' })).status).toBe(404);
  });

  it('applies the body rules of the operation reached through a non-normal path', async () => {
    const before = await t.http.get('/api/v1/services/api/tags');
    const response = await rawRequest('PUT', '/api/v1/services/x/../api/tags', {
      token: t.admin,
      body: { slug: 'database', tags: { tier: 'sneaky' } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'slug', message: 'unknown field' }]);
    expect((await t.http.get('/api/v1/services/api/tags')).body).toEqual(before.body);
  });
});
