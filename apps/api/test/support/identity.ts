/**
 * Helpers for the identity tests (auth, /me, users): wire-shape checks that
 * do not reuse the app's own schemas, Set-Cookie parsing, signed-in accounts
 * created over HTTP, and direct database access for side effects.
 */
import postgres from 'postgres';
import { expect, inject } from 'vitest';
import { unique } from './api';
import { cookieValue, type Http, type HttpResult } from './client';

export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const userKeys = [
  'created_at',
  'email',
  'first_name',
  'id',
  'is_active',
  'last_name',
  'must_change_password',
  'role',
  'updated_at',
];

/** Checks a user object against the contract's `User` (snake_case, exact keys, types). */
export function expectUser(user: Record<string, unknown>, expected: Record<string, unknown> = {}) {
  expect(Object.keys(user).sort()).toEqual(userKeys);
  expect(user.id).toMatch(UUID);
  expect(typeof user.email).toBe('string');
  expect(typeof user.first_name).toBe('string');
  expect(typeof user.last_name).toBe('string');
  expect(['user', 'operator', 'admin']).toContain(user.role);
  expect(typeof user.is_active).toBe('boolean');
  expect(typeof user.must_change_password).toBe('boolean');
  expect(user.created_at).toMatch(RFC3339_UTC);
  expect(user.updated_at).toMatch(RFC3339_UTC);
  expect(user).toMatchObject(expected);
}

export type DetailsKind = 'fields' | 'string' | 'none';

/**
 * Checks an error answer: the status, a body of exactly `{"error": {...}}`
 * with a message, and details of the documented kind. Returns the error.
 */
export function expectError(response: HttpResult, status: number, details: DetailsKind = 'none') {
  expect(response.status, response.text).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  expect(Object.keys(response.body ?? {})).toEqual(['error']);
  const error = response.body.error as { message: unknown; details?: unknown };
  expect(typeof error.message).toBe('string');
  expect((error.message as string).length).toBeGreaterThan(0);
  if (details === 'none') {
    expect(Object.keys(error)).toEqual(['message']);
  } else if (details === 'string') {
    expect(Object.keys(error).sort()).toEqual(['details', 'message']);
    expect(typeof error.details).toBe('string');
    expect((error.details as string).length).toBeGreaterThan(0);
  } else {
    expect(Object.keys(error).sort()).toEqual(['details', 'message']);
    expect(Array.isArray(error.details)).toBe(true);
    const list = error.details as Record<string, unknown>[];
    expect(list.length).toBeGreaterThan(0);
    for (const item of list) {
      expect(Object.keys(item).sort()).toEqual(['field', 'message']);
      expect(typeof item.field).toBe('string');
      expect(typeof item.message).toBe('string');
    }
  }
  return error;
}

/** The fields named in array details. */
export function detailFields(response: HttpResult): string[] {
  return (response.body.error.details as { field: string }[]).map((item) => item.field);
}

/** Checks a 204: no body and no content type. */
export function expectNoContent(response: HttpResult) {
  expect(response.status, response.text).toBe(204);
  expect(response.text).toBe('');
  expect(response.headers.get('content-type')).toBeNull();
}

export interface ParsedCookie {
  name: string;
  value: string;
  /** Attribute names lower-cased → value ('' for flags). */
  attributes: Record<string, string>;
}

/** Parses one Set-Cookie line. */
export function parseSetCookie(line: string | undefined): ParsedCookie {
  expect(line, 'Set-Cookie line').toBeDefined();
  const [pair = '', ...rest] = (line ?? '').split(';').map((part) => part.trim());
  const attributes: Record<string, string> = {};
  for (const part of rest) {
    const [key = '', ...value] = part.split('=');
    attributes[key.toLowerCase()] = value.join('=');
  }
  return { name: pair.split('=')[0] ?? '', value: cookieValue(line), attributes };
}

/** Checks that the three auth cookies are cleared (empty value, Max-Age=0) on their own paths. */
export function expectCookiesCleared(response: HttpResult) {
  const access = parseSetCookie(response.cookies.access_token);
  const refresh = parseSetCookie(response.cookies.refresh_token);
  const csrf = parseSetCookie(response.cookies.csrf_token);
  for (const cookie of [access, refresh, csrf]) {
    expect(cookie.value).toBe('');
    expect(cookie.attributes['max-age']).toBe('0');
  }
  expect(access.attributes.path).toBe('/');
  expect(refresh.attributes.path).toBe('/api/v1/auth');
  expect(csrf.attributes.path).toBe('/');
}

export interface Session {
  access: string;
  refresh: string;
  csrf: string;
  /** A Cookie header with the access and csrf cookies, as a browser sends them to /api/v1. */
  cookie: string;
}

/** Logs in and returns the tokens of that session (from the body; cookies checked equal). */
export async function signIn(http: Http, email: string, password: string): Promise<Session> {
  const response = await http.post('/api/v1/auth/login', { body: { email, password } });
  expect(response.status, response.text).toBe(200);
  const access = response.body.data.access_token as string;
  const refresh = response.body.data.refresh_token as string;
  const csrf = cookieValue(response.cookies.csrf_token);
  expect(csrf).not.toBe('');
  return { access, refresh, csrf, cookie: `access_token=${access}; csrf_token=${csrf}` };
}

export interface Account {
  id: string;
  email: string;
  password: string;
}

/** A new `user` account created through public registration (not signed in). */
export async function registerAccount(http: Http, extra: Record<string, unknown> = {}): Promise<Account> {
  const email = `${unique('user')}@example.test`;
  const password = 'correct-horse-1';
  const response = await http.post('/api/v1/auth/register', { body: { email, password, ...extra } });
  expect(response.status, response.text).toBe(201);
  return { id: response.body.data.id as string, email, password };
}

/** Whether an access token is accepted (GET /me: 200) or refused (401); anything else fails. */
export async function tokenWorks(http: Http, token: string): Promise<boolean> {
  const response = await http.get('/api/v1/me', { token });
  expect([200, 401], response.text).toContain(response.status);
  return response.status === 200;
}

/** The run's database, for checking side effects (outbox rows, tokens) directly. */
export function openDatabase() {
  return postgres(inject('databaseUrl'), { max: 2, onnotice: () => {} });
}
export type Sql = ReturnType<typeof openDatabase>;
