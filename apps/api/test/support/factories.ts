import { expect } from 'vitest';
import { unique } from './api';
import type { Http } from './client';

export type Role = 'user' | 'operator' | 'admin';

export const devAccounts = {
  admin: { email: 'admin@example.com', password: 'admin123' },
  operator: { email: 'operator@example.com', password: 'admin123' },
  user: { email: 'user@example.com', password: 'user123' },
} as const;

/** Logs in and returns the access token (bearer). */
export async function login(http: Http, email: string, password: string): Promise<string> {
  const response = await http.post('/api/v1/auth/login', { body: { email, password } });
  expect(response.status, response.text).toBe(200);
  return response.body.data.access_token as string;
}

/** The seeded admin's token. */
export function adminToken(http: Http) {
  return login(http, devAccounts.admin.email, devAccounts.admin.password);
}

/** A new account of the given role (created by the seeded admin), logged in. */
export async function createAccount(http: Http, role: Role) {
  const admin = await adminToken(http);
  const email = `${unique(role)}@example.test`;
  const password = 'correct-horse-1';
  const created = await http.post('/api/v1/users', { token: admin, body: { email, password, role } });
  expect(created.status, created.text).toBe(201);
  const token = await login(http, email, password);
  return { id: created.body.data.id as string, email, password, token };
}

/** A service created by the admin (unique slug unless given). */
export async function createService(http: Http, token: string, body: Record<string, unknown> = {}) {
  const slug = unique('svc');
  const response = await http.post('/api/v1/services', { token, body: { name: `Service ${slug}`, slug, ...body } });
  expect(response.status, response.text).toBe(201);
  return response.body.data as { id: string; slug: string; status: string; group_ids: string[] };
}

/** A group created by the admin (unique slug unless given). */
export async function createGroup(http: Http, token: string, body: Record<string, unknown> = {}) {
  const slug = unique('grp');
  const response = await http.post('/api/v1/groups', { token, body: { name: `Group ${slug}`, slug, ...body } });
  expect(response.status, response.text).toBe(201);
  return response.body.data as { id: string; slug: string; service_ids: string[] };
}
