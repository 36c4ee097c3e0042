import { Writable } from 'node:stream';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadEnv } from '../src/env';
import { createLogger } from '../src/logger';
import { type ApiServer, startApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';
import { createHttp, type Http } from './support/client';
import { adminToken, devAccounts } from './support/factories';

describe('http middleware', () => {
  let api: ApiServer;
  let http: Http;
  beforeAll(async () => {
    api = await startTestApi({
      CORS_ALLOWED_ORIGINS: 'https://status.example.test,https://admin.example.test',
      BODY_LIMIT: '2kb',
    });
    http = createHttp(api.url);
  });
  afterAll(() => api.close());

  it('allows credentialed CORS for a configured origin', async () => {
    const preflight = await http.request('OPTIONS', '/api/v1/services', {
      headers: {
        origin: 'https://admin.example.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-csrf-token',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://admin.example.test');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
  });

  it('gives no CORS grant to other origins', async () => {
    const response = await http.get('/api/v1/services', { headers: { origin: 'https://evil.example.test' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('sets security headers', async () => {
    const response = await http.get('/api/v1/services');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('x-powered-by')).toBeNull();
  });

  it('answers 413 with the envelope for a body over the limit', async () => {
    const response = await http.post('/api/v1/auth/register', {
      body: { email: 'big@example.test', password: 'x'.repeat(5000) },
    });
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ error: { message: 'request body too large' } });
  });

  it('answers 400 with the envelope for malformed JSON, on REST and tRPC alike', async () => {
    const rest = await http.post('/api/v1/auth/login', { raw: '{"email": ' });
    expect(rest.status).toBe(400);
    expect(rest.body.error.message).toBe('malformed JSON body');
    const trpc = await http.post('/trpc/auth.login', { raw: '{"email": ' });
    expect(trpc.status).toBe(400);
  });

  it('reports malformed JSON with string details on the operations documented that way', async () => {
    const response = await http.post('/api/v1/auth/forgot-password', { raw: '{"email": ' });
    expect(response.status).toBe(400);
    expect(response.body).toEqual({ error: { message: 'malformed JSON body', details: 'body: malformed JSON' } });
  });

  it('ignores unknown query parameters (cache busters) but refuses unknown body fields', async () => {
    const listed = await http.get('/api/v1/services?_=1700000000');
    expect(listed.status).toBe(200);
    const admin = await adminToken(http);
    const users = await http.get('/api/v1/users?limit=1&nocache=1', { token: admin });
    expect(users.status).toBe(200);
    expect(users.body.data.limit).toBe(1);
  });

  it('names a refused path-parameter body field in string details as sent', async () => {
    const admin = await adminToken(http);
    const me = await http.get('/api/v1/me', { token: admin });
    const response = await http.patch(`/api/v1/users/${me.body.data.id}`, {
      token: admin,
      body: { id: me.body.data.id, first_name: 'Ada' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toBe('id: unknown field');
  });

  it('answers 400 for a JSON body that is not an object', async () => {
    const response = await http.post('/api/v1/auth/login', { raw: '[1,2]' });
    expect(response.status).toBe(400);
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  it('answers 415 with the envelope for a body that is not JSON', async () => {
    const response = await http.post('/api/v1/auth/login', {
      raw: 'email=a@b.c',
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.status).toBe(415);
    expect(response.body.error.message).toEqual(expect.any(String));
  });

  it('answers 404 with the envelope for unknown routes', async () => {
    const rest = await http.get('/api/v1/nothing-here');
    expect(rest.status).toBe(404);
    expect(rest.body).toEqual({ error: { message: expect.any(String) } });
    const other = await http.get('/nothing-here');
    expect(other.status).toBe(404);
    expect(other.body).toEqual({ error: { message: 'not found' } });
  });

  it('refuses a body field named like a path parameter instead of letting the path win', async () => {
    const admin = await adminToken(http);
    const anonymous = await http.put('/api/v1/services/api/tags', { body: { slug: 'database', tags: {} } });
    expect(anonymous.status).toBe(401);
    const response = await http.put('/api/v1/services/api/tags', {
      token: admin,
      body: { slug: 'database', tags: { tier: '1' } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ field: 'slug', message: 'unknown field' }]);
    expect((await http.get('/api/v1/services/api/tags')).body.data.tags).toEqual({});
  });

  it('accepts a body-less POST without a content type', async () => {
    const response = await http.post('/api/v1/auth/logout');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
  });
});

/** An api on the run's database whose JSON log lines are collected (at `level`), to read what it logs. */
async function startLoggedApi(level: 'info' | 'debug', overrides: Record<string, string> = {}) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      callback();
    },
  });
  const env = loadEnv({
    DATABASE_URL: inject('databaseUrl'),
    SERVER_HOST: '127.0.0.1',
    SERVER_PORT: '0',
    SERVER_METRICS_PORT: '0',
    COOKIE_SECURE: 'false',
    ...overrides,
  });
  const api = await startApiServer(env, {
    logger: createLogger({ level, format: 'json', name: 'api', destination: sink }),
  });
  return { api, lines };
}

describe('http logging', () => {
  it('writes one JSON line per request with its request id, without secrets', async () => {
    const { api, lines } = await startLoggedApi('info');
    try {
      const http = createHttp(api.url);
      const login = await http.post('/api/v1/auth/login', {
        body: devAccounts.admin,
        headers: { 'x-request-id': 'log-test-1' },
      });
      expect(login.status).toBe(200);
      await http.get('/api/v1/me', { token: login.body.data.access_token, headers: { 'x-request-id': 'log-test-2' } });
      const entries = lines.map((line) => JSON.parse(line));
      const first = entries.find((entry) => entry.req?.id === 'log-test-1');
      expect(first).toMatchObject({ req: { method: 'POST', url: '/api/v1/auth/login' }, res: { statusCode: 200 } });
      expect(typeof first.responseTime).toBe('number');
      const second = entries.find((entry) => entry.req?.id === 'log-test-2');
      expect(second.req.headers.authorization).toBe('[redacted]');
      const text = lines.join('\n');
      expect(text).not.toContain(login.body.data.access_token);
      expect(text).not.toContain(login.body.data.refresh_token);
      expect(text).not.toContain(devAccounts.admin.password);
    } finally {
      await api.close();
    }
  });
});

describe('http logging of database errors', () => {
  it('logs a failed write with its SQL but without its parameters or row values (hash, e-mail, reset token)', async () => {
    const databaseUrl = inject('databaseUrl');
    const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    const marker = unique('dberror').replace(/-/g, '_');
    // Forced failures for this test's addresses only (the database is shared with the other files),
    // with a detail carrying row values as PostgreSQL's own constraint errors do.
    await sql.unsafe(`
      create function ${marker}_users() returns trigger language plpgsql as $$
      begin
        if new.email like '${marker}-register%' then
          raise exception using message = 'forced failure', detail = 'Failing row contains (' || new.password_hash || ')';
        end if;
        return new;
      end $$;
      create function ${marker}_outbox() returns trigger language plpgsql as $$
      begin
        if new.kind = 'email.password_reset' and new.payload->>'email' like '${marker}-reset%' then
          raise exception using message = 'forced failure', detail = 'Failing row contains (' || new.payload::text || ')';
        end if;
        return new;
      end $$;
      create trigger ${marker}_users before insert on users for each row execute function ${marker}_users();
      create trigger ${marker}_outbox before insert on outbox for each row execute function ${marker}_outbox();`);
    const { api, lines } = await startLoggedApi('info', {
      RATE_LIMIT_AUTH_PER_IP: '100000',
      RATE_LIMIT_AUTH_PER_ACCOUNT: '100000',
    });
    try {
      const http = createHttp(api.url);
      const registerEmail = `${marker}-register@example.test`;
      const register = await http.post('/api/v1/auth/register', {
        body: { email: registerEmail, password: 'correct-horse-1' },
      });
      expect(register.status).toBe(500);
      const resetEmail = `${marker}-reset@example.test`;
      const account = await http.post('/api/v1/auth/register', {
        body: { email: resetEmail, password: 'correct-horse-1' },
      });
      expect(account.status, account.text).toBe(201);
      const forgot = await http.post('/api/v1/auth/forgot-password', { body: { email: resetEmail } });
      expect(forgot.status).toBe(500);

      const errors = lines.map((line) => JSON.parse(line)).filter((entry) => entry.err);
      const failures = errors.filter((entry) => JSON.stringify(entry.err).includes('forced failure'));
      expect(failures.length).toBeGreaterThanOrEqual(2);
      for (const entry of failures) expect(JSON.stringify(entry.err)).toMatch(/Failed query: insert into/);
      const text = lines.join('\n');
      expect(text).not.toContain('$argon2');
      expect(text).not.toContain(registerEmail);
      expect(text).not.toContain(resetEmail);
      expect(text).not.toContain('Failing row');
      expect(text).not.toMatch(/params:|"params":\[|"parameters"/);
    } finally {
      await api.close();
      await sql.unsafe(
        `drop trigger ${marker}_users on users; drop trigger ${marker}_outbox on outbox;
         drop function ${marker}_users(); drop function ${marker}_outbox();`,
      );
      await sql.end({ timeout: 5 });
    }
  });
});

describe('http logging of secrets in query strings', () => {
  it('never logs the values of token, code and similar query parameters, on the app or the cache path', async () => {
    const { api, lines } = await startLoggedApi('debug');
    const secrets = ['unsubscribeSECRETvalue1', 'resetSECRETvalue2', '918273', 'nonceSECRETvalue3', 'refreshSECRET4'];
    try {
      const http = createHttp(api.url);
      await http.get(`/api/v1/notifications/unsubscribe?token=v1.${secrets[0]}&lang=en`);
      await http.post(`/api/v1/notifications/unsubscribe?token=${secrets[0]}`);
      await http.get(`/reset-password?token=${secrets[1]}`);
      await http.get(`/api/v1/services?code=${secrets[2]}&Token=${secrets[1]}&page=2`);
      // Twice: the second answer comes from the public cache's pre-router (logged at debug).
      await http.get(`/api/v1/services?nonce=${secrets[3]}&refresh_token=${secrets[4]}`);
      await http.get(`/api/v1/services?nonce=${secrets[3]}&refresh_token=${secrets[4]}`);
      const text = lines.join('\n');
      for (const secret of secrets) expect(text).not.toContain(secret);
      const entries = lines.map((line) => JSON.parse(line));
      const unsubscribe = entries.find((entry) => entry.req?.url?.startsWith('/api/v1/notifications/unsubscribe'));
      expect(unsubscribe.req.url).toBe('/api/v1/notifications/unsubscribe?token=[redacted]&lang=en');
      expect(unsubscribe.req.query).toEqual({ token: '[redacted]', lang: 'en' });
      expect(entries.some((entry) => entry.msg === 'public cache hit' && entry.url.includes('nonce=[redacted]'))).toBe(
        true,
      );
    } finally {
      await api.close();
    }
  });
});

describe('http client addresses behind a proxy', () => {
  it('counts rate limits on an address, never on a string a client puts in X-Forwarded-For', async () => {
    const api = await startTestApi({ TRUST_PROXY: '1', RATE_LIMIT_AUTH_PER_IP: '2' });
    try {
      const http = createHttp(api.url);
      const email = `${unique('xff')}@example.test`;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        // A new "address" each time: garbage, or an address followed by garbage.
        const forwarded = attempt === 1 ? `203.0.113.${attempt}, not-an-ip-${attempt}` : `spoofed-${attempt}`;
        const response = await http.post('/api/v1/auth/login', {
          body: { email, password: 'wrong-password' },
          headers: { 'x-forwarded-for': forwarded },
        });
        statuses.push(response.status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await api.close();
    }
  });

  it('takes the client address the trusted proxy appended', async () => {
    const api = await startTestApi({ TRUST_PROXY: '1', RATE_LIMIT_AUTH_PER_IP: '1' });
    try {
      const http = createHttp(api.url);
      const email = `${unique('xff')}@example.test`;
      const attempt = (forwarded: string) =>
        http.post('/api/v1/auth/login', {
          body: { email, password: 'wrong-password' },
          headers: { 'x-forwarded-for': forwarded },
        });
      // Two clients behind the proxy: each has its own budget, whatever they wrote before the proxy's entry.
      expect((await attempt('garbage, 198.51.100.7')).status).toBe(401);
      expect((await attempt('198.51.100.8')).status).toBe(401);
      expect((await attempt('1.1.1.1, 198.51.100.7')).status).toBe(429);
    } finally {
      await api.close();
    }
  });
});

describe('http rate limits without Redis', () => {
  it('keeps limits in memory when REDIS_URL is unset', async () => {
    const api = await startTestApi({ REDIS_URL: '', RATE_LIMIT_AUTH_PER_IP: '2' });
    try {
      const http = createHttp(api.url);
      const email = `${unique('mem')}@example.test`;
      const statuses: number[] = [];
      for (let attempt = 0; attempt < 3; attempt++) {
        statuses.push((await http.post('/api/v1/auth/login', { body: { email, password: 'wrong-password' } })).status);
      }
      expect(statuses).toEqual([401, 401, 429]);
    } finally {
      await api.close();
    }
  });

  it('falls back to memory while Redis is unreachable', async () => {
    const api = await startTestApi({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_AUTH_PER_IP: '2' });
    try {
      const http = createHttp(api.url);
      const ok = await http.post('/api/v1/auth/login', { body: devAccounts.operator });
      expect(ok.status).toBe(200);
      const email = `${unique('down')}@example.test`;
      // Only wrong passwords count (two per ip here).
      for (let i = 0; i < 2; i++) {
        const wrong = await http.post('/api/v1/auth/login', { body: { email, password: 'wrong-password' } });
        expect(wrong.status).toBe(401);
      }
      const third = await http.post('/api/v1/auth/login', { body: { email, password: 'wrong-password' } });
      expect(third.status).toBe(429);
      expect(Number(third.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await api.close();
    }
  });
});
