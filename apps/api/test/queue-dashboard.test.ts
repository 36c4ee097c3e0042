import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { createHttp, type Http } from './support/client';
import { adminToken, createAccount, devAccounts } from './support/factories';
import { expectError } from './support/identity';

describe('admin queue dashboard', () => {
  let api: ApiServer;
  let http: Http;
  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
  });
  afterAll(() => api.close());

  it('answers 401 without a session', async () => {
    expectError(await http.get('/admin/queues'), 401);
    expectError(await http.get('/admin/queues', { token: 'not-a-token' }), 401);
  });

  it('answers 403 to users and operators', async () => {
    for (const role of ['user', 'operator'] as const) {
      const { token } = await createAccount(http, role);
      expectError(await http.get('/admin/queues', { token }), 403);
    }
  });

  it('serves the dashboard and its queue api to admins, by bearer token', async () => {
    const token = await adminToken(http);
    const page = await http.get('/admin/queues', { token });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const queues = await http.get('/admin/queues/api/queues', { token });
    expect(queues.status, queues.text).toBe(200);
    const names = (queues.body.queues as { name: string }[]).map((queue) => queue.name).sort();
    expect(names).toEqual([
      'deliver-discord',
      'deliver-email',
      'deliver-mattermost',
      'deliver-slack',
      'deliver-teams',
      'deliver-telegram',
      'deliver-webhook',
      'maintenance',
      'outbox',
    ]);
  });

  it('accepts the access cookie the browser sends after logging in', async () => {
    const login = await http.post('/api/v1/auth/login', {
      body: { email: devAccounts.admin.email, password: devAccounts.admin.password },
    });
    expect(login.status).toBe(200);
    const access = login.cookies.access_token?.split(';')[0];
    expect(access).toBeTruthy();
    expect((await http.get('/admin/queues', { cookie: access })).status).toBe(200);
    expectError(await http.get('/admin/queues', { cookie: 'access_token=forged' }), 401);
  });

  it('answers 403 to a state-changing cookie request with Origin: null or a foreign or malformed Origin', async () => {
    const login = await http.post('/api/v1/auth/login', {
      body: { email: devAccounts.admin.email, password: devAccounts.admin.password },
    });
    const cookie = login.cookies.access_token?.split(';')[0];
    const path = '/admin/queues/api/queues/outbox/clean/completed';
    for (const origin of ['null', 'https://evil.example', 'not a url', '']) {
      const response = await http.put(path, { cookie, headers: { origin } });
      expectError(response, 403);
      expect(response.body.error.message).toBe('cross-origin request refused');
    }
  });

  it('answers 503 with the error envelope when Redis cannot be reached', async () => {
    const other = await startTestApi({ REDIS_URL: 'redis://127.0.0.1:1', REDIS_CONNECT_TIMEOUT: '1s' });
    try {
      const client = createHttp(other.url);
      const token = await adminToken(client);
      for (const path of ['/admin/queues', '/admin/queues/api/queues']) {
        const response = await client.get(path, { token });
        expectError(response, 503);
        expect(response.body.error.message).toMatch(/Redis/);
      }
    } finally {
      await other.close();
    }
  });

  it('answers 503 with the error envelope when the api has no Redis', async () => {
    const other = await startTestApi({ REDIS_URL: '' });
    try {
      const client = createHttp(other.url);
      const token = await adminToken(client);
      const response = await client.get('/admin/queues', { token });
      expectError(response, 503);
      expect(response.body.error.message).toContain('REDIS_URL');
    } finally {
      await other.close();
    }
  });
});
