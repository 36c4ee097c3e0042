/**
 * Wire-shape checks for the catalogue, written from the contract's Service,
 * ServiceGroup and ServiceStatusLogEntry schemas (not from our own zod
 * schemas, so that a drift in either shows up here).
 */
import { expect } from 'vitest';
import type { Http, HttpResult } from './client';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** RFC 3339, UTC: how every timestamp goes on the wire. */
export const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

export const serviceStatuses = ['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance'] as const;
export type ServiceStatus = (typeof serviceStatuses)[number];

export interface WireService {
  id: string;
  name: string;
  slug: string;
  description: string;
  status: ServiceStatus;
  effective_status: ServiceStatus;
  has_active_events: boolean;
  group_ids: string[];
  order: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface WireGroup {
  id: string;
  name: string;
  slug: string;
  description: string;
  service_ids: string[];
  order: number;
  created_at: string;
  updated_at: string;
  archived_at: string | null;
}

export interface WireStatusLogEntry {
  id: string;
  service_id: string;
  old_status: ServiceStatus | null;
  new_status: ServiceStatus;
  source_type: 'manual' | 'event' | 'webhook';
  event_id: string | null;
  reason: string;
  created_by: string | null;
  integration_id: string | null;
  created_at: string;
}

const serviceKeys = [
  'archived_at',
  'created_at',
  'description',
  'effective_status',
  'group_ids',
  'has_active_events',
  'id',
  'name',
  'order',
  'slug',
  'status',
  'updated_at',
];
const groupKeys = [
  'archived_at',
  'created_at',
  'description',
  'id',
  'name',
  'order',
  'service_ids',
  'slug',
  'updated_at',
];

function expectTimestamp(value: unknown) {
  expect(value).toMatch(RFC3339_UTC);
  expect(Number.isNaN(Date.parse(value as string))).toBe(false);
}

/** A contract `Service`: every field present, snake_case, nothing else. */
export function expectServiceShape(service: unknown): asserts service is WireService {
  expect(service).toBeTypeOf('object');
  const value = service as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(serviceKeys);
  expect(value.id).toMatch(UUID);
  expect(value.name).toBeTypeOf('string');
  expect(value.slug).toBeTypeOf('string');
  expect(value.description).toBeTypeOf('string');
  expect(serviceStatuses).toContain(value.status);
  expect(serviceStatuses).toContain(value.effective_status);
  expect(value.has_active_events).toBeTypeOf('boolean');
  expect(Array.isArray(value.group_ids)).toBe(true);
  for (const id of value.group_ids as unknown[]) expect(id).toMatch(UUID);
  expect(Number.isInteger(value.order)).toBe(true);
  expectTimestamp(value.created_at);
  expectTimestamp(value.updated_at);
  if (value.archived_at !== null) expectTimestamp(value.archived_at);
}

/** A contract `ServiceGroup`: every field present, snake_case, nothing else. */
export function expectGroupShape(group: unknown): asserts group is WireGroup {
  expect(group).toBeTypeOf('object');
  const value = group as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(groupKeys);
  expect(value.id).toMatch(UUID);
  expect(value.name).toBeTypeOf('string');
  expect(value.slug).toBeTypeOf('string');
  expect(value.description).toBeTypeOf('string');
  expect(Array.isArray(value.service_ids)).toBe(true);
  for (const id of value.service_ids as unknown[]) expect(id).toMatch(UUID);
  expect(Number.isInteger(value.order)).toBe(true);
  expectTimestamp(value.created_at);
  expectTimestamp(value.updated_at);
  if (value.archived_at !== null) expectTimestamp(value.archived_at);
}

/**
 * A contract `ServiceStatusLogEntry`. Made by a person (default): `created_by` names them; made by an
 * integration's alerts (`by: 'integration'`): no person, and webhook entries name the integration
 * (null once it is deleted).
 */
export function expectStatusLogEntryShape(
  entry: unknown,
  options: { by?: 'person' | 'integration' } = {},
): asserts entry is WireStatusLogEntry {
  const value = entry as Record<string, unknown>;
  expect(value.id).toMatch(UUID);
  expect(value.service_id).toMatch(UUID);
  if (value.old_status !== null) expect(serviceStatuses).toContain(value.old_status);
  expect(serviceStatuses).toContain(value.new_status);
  expect(['manual', 'event', 'webhook']).toContain(value.source_type);
  if (value.event_id !== null && value.event_id !== undefined) expect(value.event_id).toMatch(UUID);
  // Every entry names a user (the contract requires it); an integration's name the admin who set it up.
  expect(value.created_by).toMatch(UUID);
  if (options.by === 'integration') {
    if (value.source_type === 'webhook' && value.integration_id !== null) expect(value.integration_id).toMatch(UUID);
    if (value.source_type !== 'webhook') expect(value.integration_id).toBeNull();
  } else {
    expect(value.integration_id).toBeNull();
  }
  expectTimestamp(value.created_at);
}

/** A `{"data": ...}` success body with exactly that one key. */
export function dataOf<T>(response: HttpResult, status = 200): T {
  expect(response.status, response.text).toBe(status);
  expect(Object.keys(response.body ?? {})).toEqual(['data']);
  return response.body.data as T;
}

/** An error envelope without details (401, 403, 404, 409). */
export function expectPlainError(response: HttpResult, status: number) {
  expect(response.status, response.text).toBe(status);
  expect(Object.keys(response.body ?? {})).toEqual(['error']);
  expect(response.body.error.message).toBeTypeOf('string');
  expect(response.body.error.message.length).toBeGreaterThan(0);
  expect(response.body.error.details).toBeUndefined();
}

/** A 400 whose details are `[{field, message}]` and name the given field(s). */
export function expectValidationError(response: HttpResult, ...fields: string[]) {
  expect(response.status, response.text).toBe(400);
  expect(Object.keys(response.body ?? {})).toEqual(['error']);
  const { message, details } = response.body.error as { message: unknown; details: unknown };
  expect(message).toBeTypeOf('string');
  expect(Array.isArray(details), `details should be an array: ${response.text}`).toBe(true);
  const list = details as { field: unknown; message: unknown }[];
  expect(list.length).toBeGreaterThan(0);
  for (const detail of list) {
    expect(Object.keys(detail).sort()).toEqual(['field', 'message']);
    expect(detail.field).toBeTypeOf('string');
    expect(detail.message).toBeTypeOf('string');
  }
  const named = list.map((detail) => detail.field);
  for (const field of fields) expect(named, response.text).toContain(field);
}

/** Every service (archived ones included) as the public list serves it. */
export async function allServices(http: Http): Promise<WireService[]> {
  return dataOf<WireService[]>(await http.get('/api/v1/services?include_archived=true'));
}

/** A service as the public read serves it. */
export async function getService(http: Http, slug: string): Promise<WireService> {
  return dataOf<WireService>(await http.get(`/api/v1/services/${slug}`));
}

/** A group as the public read serves it. */
export async function getGroup(http: Http, slug: string): Promise<WireGroup> {
  return dataOf<WireGroup>(await http.get(`/api/v1/groups/${slug}`));
}

/** The public service list, with a query string (`?status=…`) when given. */
export async function listServices(http: Http, query = ''): Promise<WireService[]> {
  return dataOf<WireService[]>(await http.get(`/api/v1/services${query}`));
}

/** The public group list, with a query string when given. */
export async function listGroups(http: Http, query = ''): Promise<WireGroup[]> {
  return dataOf<WireGroup[]>(await http.get(`/api/v1/groups${query}`));
}

/** Every group (archived ones included) as the public list serves it. */
export async function allGroups(http: Http): Promise<WireGroup[]> {
  return dataOf<WireGroup[]>(await http.get('/api/v1/groups?include_archived=true'));
}

/** The ids of `items` that are among `ids`, in list order. */
export function onlyIds(items: { id: string }[], ids: readonly string[]) {
  return items.map((item) => item.id).filter((id) => ids.includes(id));
}

/** The signed-in user's id (GET /me). */
export async function currentUserId(http: Http, token: string): Promise<string> {
  const me = dataOf<{ id: string }>(await http.get('/api/v1/me', { token }));
  expect(me.id).toMatch(UUID);
  return me.id;
}
