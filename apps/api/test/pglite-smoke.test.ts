import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { seedDevelopmentData } from '@statuspage/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEnv } from '../src/env';
import { createLogger } from '../src/logger';
import { type ApiServer, startApiServer } from '../src/server';
import { createHttp, type Http } from './support/client';

describe('api on the embedded database', () => {
  let api: ApiServer;
  let http: Http;
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'statuspage-pglite-'));
    // No DATABASE_URL and no REDIS_URL: PGlite in a data folder, in-memory rate limits.
    const env = loadEnv({
      PGLITE_DATA_DIR: dataDir,
      SERVER_HOST: '127.0.0.1',
      SERVER_PORT: '0',
      SERVER_METRICS_PORT: '0',
      LOG_LEVEL: 'silent',
    });
    api = await startApiServer(env, { logger: createLogger({ level: 'silent', format: 'json', name: 'smoke' }) });
    http = createHttp(api.url);
  }, 120_000);
  afterAll(async () => {
    await api?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('runs register → login → create service → list services', async () => {
    expect(api.db.driver).toBe('pglite');
    expect((await http.get('/readyz')).status).toBe(200);

    const registered = await http.post('/api/v1/auth/register', {
      body: { email: 'smoke@example.test', password: 'smoke-password', first_name: 'Smoke' },
    });
    expect(registered.status, registered.text).toBe(201);
    expect(registered.body.data).toMatchObject({ email: 'smoke@example.test', role: 'user', first_name: 'Smoke' });

    const userLogin = await http.post('/api/v1/auth/login', {
      body: { email: 'smoke@example.test', password: 'smoke-password' },
    });
    expect(userLogin.status).toBe(200);
    const me = await http.get('/api/v1/me', { token: userLogin.body.data.access_token });
    expect(me.body.data.email).toBe('smoke@example.test');

    // Creating services is for admins: the seed command's accounts exist on PGlite too.
    await seedDevelopmentData(api.db.db);
    const adminLogin = await http.post('/api/v1/auth/login', {
      body: { email: 'admin@example.com', password: 'admin123' },
    });
    expect(adminLogin.status).toBe(200);
    const token = adminLogin.body.data.access_token;

    const created = await http.post('/api/v1/services', {
      token,
      body: { name: 'Smoke API', slug: 'smoke-api', status: 'degraded', order: -1 },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body.data).toMatchObject({
      slug: 'smoke-api',
      status: 'degraded',
      effective_status: 'degraded',
      has_active_events: false,
      group_ids: [],
    });

    const listed = await http.get('/api/v1/services');
    expect(listed.status).toBe(200);
    expect(listed.body.data[0]).toMatchObject({ slug: 'smoke-api', effective_status: 'degraded' });
    expect(listed.body.data.map((service: { slug: string }) => service.slug)).toEqual(
      expect.arrayContaining(['smoke-api', 'api', 'database']),
    );
  });
});
