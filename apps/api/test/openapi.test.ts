import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { ApiServer } from '../src/server';
import contract from './data/contract-operations.json' with { type: 'json' };
import { startTestApi } from './support/api';
import { createHttp, type Http } from './support/client';

type Operation = {
  operationId?: string;
  security?: unknown[];
  responses: Record<string, { content?: Record<string, { schema?: any }> }>;
  requestBody?: { content: Record<string, { schema: any }> };
};

describe('openapi document', () => {
  let api: ApiServer;
  let http: Http;
  let document: { openapi: string; paths: Record<string, Record<string, Operation>> };
  beforeAll(async () => {
    api = await startTestApi();
    http = createHttp(api.url);
    const response = await http.get('/api/openapi.json');
    expect(response.status).toBe(200);
    document = response.body;
  });
  afterAll(() => api.close());

  it('contains every operation of the contract in scope, with its operationId', () => {
    const missing: string[] = [];
    for (const [method, path] of contract.operations as [string, string][]) {
      const operation = document.paths[path]?.[method.toLowerCase()];
      if (!operation) {
        missing.push(`${method} ${path}`);
        continue;
      }
      const key = `${method} ${path}` as keyof typeof contract.operationIds;
      expect(operation.operationId, key).toBe(contract.operationIds[key]);
    }
    expect(missing).toEqual([]);
  });

  it('documents the real success status of each operation', () => {
    const op = (method: string, path: string) => document.paths[path]?.[method] as Operation;
    expect(Object.keys(op('post', '/api/v1/services').responses)).toContain('201');
    expect(Object.keys(op('post', '/api/v1/services').responses)).not.toContain('200');
    expect(Object.keys(op('delete', '/api/v1/services/{slug}').responses)).toContain('204');
    expect(op('delete', '/api/v1/services/{slug}').responses['204']?.content).toBeUndefined();
    expect(Object.keys(op('post', '/api/v1/auth/refresh').responses)).toContain('204');
    expect(Object.keys(op('get', '/api/v1/services').responses)).toContain('200');
  });

  it('documents errors with the envelope', () => {
    const conflict = document.paths['/api/v1/services']?.post?.responses['409'];
    const schema = conflict?.content?.['application/json']?.schema;
    expect(schema?.properties?.error?.properties?.message?.type).toBe('string');
    const invalid = document.paths['/api/v1/services']?.post?.responses['400']?.content?.['application/json']?.schema;
    expect(invalid?.properties?.error?.properties?.details).toBeDefined();
  });

  it('marks public operations public and protected ones with bearer and cookie security', () => {
    expect(document.paths['/api/v1/services']?.get?.security).toBeUndefined();
    expect(document.paths['/api/v1/auth/login']?.post?.security).toBeUndefined();
    expect(document.paths['/api/v1/services']?.post?.security).toEqual([{ BearerAuth: [] }, { CookieAuth: [] }]);
    expect(document.paths['/api/v1/me']?.get?.security).toEqual([{ BearerAuth: [] }, { CookieAuth: [] }]);
  });

  it('shows the new slug of an update as the body field `slug`', () => {
    const schema = document.paths['/api/v1/services/{slug}']?.patch?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(schema.properties)).toContain('slug');
    expect(Object.keys(schema.properties)).not.toContain('new_slug');
    expect(schema.required).toEqual(expect.arrayContaining(['name', 'slug', 'status']));
  });

  it('documents boolean query parameters as booleans', () => {
    const parameters = document.paths['/api/v1/services']?.get as unknown as { parameters: any[] };
    const includeArchived = parameters.parameters.find((parameter) => parameter.name === 'include_archived');
    expect(includeArchived?.in).toBe('query');
    expect(includeArchived?.schema?.type).toBe('boolean');
  });

  it('is served as YAML too', async () => {
    const response = await http.get('/api/openapi.yaml');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('yaml');
    expect(parse(response.text).paths['/api/v1/services']).toBeDefined();
  });

  it('serves an interactive docs page at /docs', async () => {
    const response = await http.get('/docs/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger-ui');
  });
});
