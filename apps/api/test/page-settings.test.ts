import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { dataOf, expectPlainError, expectValidationError, RFC3339_UTC } from './support/catalog';
import { createHttp, type Http } from './support/client';
import { adminToken, createAccount } from './support/factories';

const settingsKeys = [
  'description',
  'favicon_url',
  'footer_text',
  'language',
  'logo_url',
  'name',
  'site_url',
  'support_url',
  'time_zone',
  'updated_at',
];

const full = {
  name: 'Acme status',
  description: 'Everything Acme runs',
  logo_url: 'https://acme.example/logo.svg',
  favicon_url: 'https://acme.example/favicon.ico',
  site_url: 'https://acme.example/',
  support_url: 'https://acme.example/support',
  time_zone: 'Europe/Berlin',
  language: 'ru',
  footer_text: '© Acme',
};

// The settings are one row per installation: this file has a database of its own.
describe('page settings', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let api: ApiServer;
  let http: Http;
  let admin: string;
  let operator: string;

  beforeAll(async () => {
    database = await createTestDatabase('sp_api_page');
    const client = await createDb({ url: database.url, poolSize: 1 });
    await seedDevelopmentData(client.db);
    await client.close();
    api = await startTestApi({ DATABASE_URL: database.url });
    http = createHttp(api.url);
    admin = await adminToken(http);
    operator = (await createAccount(http, 'operator')).token;
  });
  afterAll(async () => {
    await api?.close();
    await database?.drop();
  });

  it('are the defaults, to anyone, until an admin saves them', async () => {
    const answer = await http.get('/api/v1/settings/page');
    const settings = dataOf<Record<string, unknown>>(answer);
    expect(Object.keys(settings).sort()).toEqual(settingsKeys);
    expect(settings).toEqual({
      name: 'Status',
      description: null,
      logo_url: null,
      favicon_url: null,
      site_url: null,
      support_url: null,
      time_zone: 'UTC',
      language: 'en',
      footer_text: null,
      updated_at: null,
    });
    expect(answer.headers.get('etag')).toBeTruthy();
  });

  it('an admin replaces them; the next anonymous read shows them', async () => {
    const before = await http.get('/api/v1/settings/page');
    const saved = dataOf<Record<string, unknown>>(
      await http.put('/api/v1/settings/page', { token: admin, body: full }),
    );
    expect(saved).toMatchObject(full);
    expect(saved.updated_at).toMatch(RFC3339_UTC);
    const after = await http.get('/api/v1/settings/page');
    expect(dataOf(after)).toEqual(saved);
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'));
    // The tRPC procedure answers the same.
    const viaTrpc = await http.get('/trpc/settings.getPage');
    expect(viaTrpc.body.result.data.data).toEqual(saved);
  });

  it('a PUT replaces every field: what it leaves out goes back to its default', async () => {
    await http.put('/api/v1/settings/page', { token: admin, body: full });
    const saved = dataOf<Record<string, unknown>>(
      await http.put('/api/v1/settings/page', { token: admin, body: { name: 'Plain', time_zone: 'utc' } }),
    );
    expect(saved).toMatchObject({
      name: 'Plain',
      description: null,
      logo_url: null,
      support_url: null,
      time_zone: 'UTC',
      language: 'en',
      footer_text: null,
    });
  });

  it('refuses bad values with the fields named, and changes nothing', async () => {
    await http.put('/api/v1/settings/page', { token: admin, body: full });
    const before = dataOf(await http.get('/api/v1/settings/page'));
    const cases: [Record<string, unknown>, string[]][] = [
      [{ ...full, name: '  ' }, ['name']],
      [{ ...full, time_zone: 'Mars/Olympus' }, ['time_zone']],
      [{ ...full, language: 'xx' }, ['language']],
      [{ ...full, logo_url: 'javascript:alert(1)' }, ['logo_url']],
      [{ ...full, site_url: 'ftp://acme.example/' }, ['site_url']],
      [{ ...full, support_url: 'not a url' }, ['support_url']],
      [{ ...full, footer_text: 'x'.repeat(2001) }, ['footer_text']],
      [{ description: 'no name' }, ['name']],
    ];
    for (const [body, fields] of cases) {
      expectValidationError(await http.put('/api/v1/settings/page', { token: admin, body }), ...fields);
    }
    const unknown = await http.put('/api/v1/settings/page', { token: admin, body: { ...full, theme: 'dark' } });
    expect(unknown.status).toBe(400);
    expect(dataOf(await http.get('/api/v1/settings/page'))).toEqual(before);
  });

  it('only an admin may change them: anonymous 401, operator 403', async () => {
    expectPlainError(await http.put('/api/v1/settings/page', { body: full }), 401);
    expectPlainError(await http.put('/api/v1/settings/page', { token: operator, body: full }), 403);
  });

  it('are in the OpenAPI document under the settings tag', async () => {
    const document = (await http.get('/api/openapi.json')).body;
    const path = document.paths['/api/v1/settings/page'];
    expect(path.get.operationId).toBe('getPageSettings');
    expect(path.put.operationId).toBe('updatePageSettings');
    expect(path.put.tags).toEqual(['settings']);
  });
});
