import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listProcedures } from '../src/http/rest';
import { appRouter } from '../src/routers';
import type { ApiServer } from '../src/server';
import { leastRole } from './data/rbac-matrix';
import { startTestApi } from './support/api';
import { createHttp, type Http } from './support/client';
import { adminToken, createAccount } from './support/factories';

const roles = ['user', 'operator', 'admin'] as const;
const procedures = listProcedures(appRouter);

/** A concrete URL for a templated path; ids and slugs that do not exist, so nothing is changed. */
function concretePath(path: string) {
  return path.replace('{id}', randomUUID()).replace('{slug}', `rbac-missing-${Date.now().toString(36)}`);
}

describe('rbac matrix', () => {
  it('every procedure declares its least role', () => {
    const undeclared = procedures.filter((procedure) => !procedure.meta?.auth).map((procedure) => procedure.path);
    expect(undeclared).toEqual([]);
  });

  it('the table names every protected procedure with the role it declares, and nothing else', () => {
    const declared = Object.fromEntries(
      procedures
        .filter((procedure) => procedure.meta?.auth !== 'public')
        .map((procedure) => [procedure.meta?.openapi?.operationId ?? procedure.path, procedure.meta?.auth]),
    );
    expect(declared).toEqual(leastRole);
  });

  describe('over HTTP', () => {
    let api: ApiServer;
    let http: Http;
    const tokens: Record<(typeof roles)[number], string> = { user: '', operator: '', admin: '' };
    beforeAll(async () => {
      api = await startTestApi();
      http = createHttp(api.url);
      tokens.user = (await createAccount(http, 'user')).token;
      tokens.operator = (await createAccount(http, 'operator')).token;
      tokens.admin = await adminToken(http);
    });
    afterAll(() => api.close());

    const protectedOperations = procedures.filter(
      (procedure) => procedure.meta?.auth && procedure.meta.auth !== 'public' && procedure.meta.openapi,
    );

    it.each(protectedOperations.map((procedure) => [procedure.meta?.openapi?.operationId, procedure] as const))(
      '%s: anonymous 401, lower roles 403, least role passes',
      async (_name, procedure) => {
        const openapi = procedure.meta?.openapi;
        const least = procedure.meta?.auth as (typeof roles)[number];
        if (!openapi) throw new Error('no REST identity');
        const path = concretePath(openapi.path);
        const send = (token?: string) =>
          http.request(openapi.method, path, {
            ...(token ? { token } : {}),
            ...(openapi.method === 'GET' ? {} : { body: {} }),
          });

        const anonymous = await send();
        expect(anonymous.status, `${openapi.method} ${path} anonymous`).toBe(401);
        expect(anonymous.body.error.message).toEqual(expect.any(String));

        for (const role of roles.slice(0, roles.indexOf(least))) {
          const lower = await send(tokens[role]);
          expect(lower.status, `${openapi.method} ${path} as ${role}`).toBe(403);
          expect(lower.body.error.message).toEqual(expect.any(String));
        }
        for (const role of roles.slice(roles.indexOf(least))) {
          const allowed = await send(tokens[role]);
          expect([401, 403], `${openapi.method} ${path} as ${role}: ${allowed.text}`).not.toContain(allowed.status);
        }
      },
    );

    it('the tRPC endpoint enforces the same roles', async () => {
      const anonymous = await http.get('/trpc/users.list');
      expect(anonymous.status).toBe(401);
      const lower = await http.get('/trpc/users.list', { token: tokens.operator });
      expect(lower.status).toBe(403);
      const allowed = await http.get(`/trpc/users.list?input=${encodeURIComponent('{}')}`, { token: tokens.admin });
      expect(allowed.status).toBe(200);
    });
  });
});
