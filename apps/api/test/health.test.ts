import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi } from './support/api';
import { createHttp, type Http } from './support/client';

describe('health probes', () => {
  let api: ApiServer;
  let http: Http;
  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
  });
  afterAll(() => api.close());

  it('healthz answers OK as text', async () => {
    const response = await http.get('/healthz');
    expect(response.status).toBe(200);
    expect(response.text).toBe('OK');
    expect(response.headers.get('content-type')).toContain('text/plain');
  });

  it('readyz answers OK while the database answers', async () => {
    const response = await http.get('/readyz');
    expect(response.status).toBe(200);
    expect(response.text).toBe('OK');
  });

  it('readyz answers 503 when the database is gone', async () => {
    const other = await startTestApi();
    const client = createHttp(other.url);
    await other.db.close();
    const response = await client.get('/readyz');
    expect(response.status).toBe(503);
    await other.close().catch(() => {});
  });

  it('every response carries a request id', async () => {
    const response = await http.get('/healthz', { headers: { 'x-request-id': 'abc-123' } });
    expect(response.headers.get('x-request-id')).toBe('abc-123');
    const generated = await http.get('/healthz');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});
