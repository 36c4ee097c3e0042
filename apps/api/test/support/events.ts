/**
 * Wire-shape checks and helpers for events, written from the contract's Event,
 * EventUpdate and EventServiceChange schemas (not from our own zod schemas,
 * so that a drift in either shows up here).
 */
import { expect } from 'vitest';
import { unique } from './api';
import {
  dataOf,
  getService,
  RFC3339_UTC,
  type ServiceStatus,
  serviceStatuses,
  UUID,
  type WireService,
  type WireStatusLogEntry,
} from './catalog';
import type { Http } from './client';

export const eventTypes = ['incident', 'maintenance'] as const;
export const eventStatuses = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'scheduled',
  'in_progress',
  'completed',
] as const;
export const severities = ['minor', 'major', 'critical'] as const;

export type EventType = (typeof eventTypes)[number];
export type EventStatus = (typeof eventStatuses)[number];

export interface WireEvent {
  id: string;
  title: string;
  type: EventType;
  status: EventStatus;
  severity: (typeof severities)[number] | null;
  description: string;
  started_at: string | null;
  resolved_at: string | null;
  scheduled_start_at: string | null;
  scheduled_end_at: string | null;
  notify_subscribers: boolean;
  template_id: string | null;
  created_by: string;
  service_ids: string[];
  group_ids: string[];
  created_at: string;
  updated_at: string;
}

export interface WireEventUpdate {
  id: string;
  event_id: string;
  status: EventStatus;
  message: string;
  notify_subscribers: boolean;
  created_by: string;
  created_at: string;
}

export interface WireEventDetail extends WireEvent {
  updates: WireEventUpdate[];
}

export interface WireEventServiceChange {
  id: string;
  event_id: string;
  batch_id: string | null;
  action: 'added' | 'removed';
  service_id: string | null;
  group_id: string | null;
  reason: string;
  created_by: string;
  created_at: string;
}

const eventKeys = [
  'created_at',
  'created_by',
  'description',
  'group_ids',
  'id',
  'notify_subscribers',
  'resolved_at',
  'scheduled_end_at',
  'scheduled_start_at',
  'service_ids',
  'severity',
  'started_at',
  'status',
  'template_id',
  'title',
  'type',
  'updated_at',
];
const updateKeys = ['created_at', 'created_by', 'event_id', 'id', 'message', 'notify_subscribers', 'status'];
const changeKeys = [
  'action',
  'batch_id',
  'created_at',
  'created_by',
  'event_id',
  'group_id',
  'id',
  'reason',
  'service_id',
];

function expectTimestamp(value: unknown) {
  expect(value).toMatch(RFC3339_UTC);
  expect(Number.isNaN(Date.parse(value as string))).toBe(false);
}

function expectNullableTimestamp(value: unknown) {
  if (value !== null) expectTimestamp(value);
}

function expectUuidList(value: unknown) {
  expect(Array.isArray(value), `expected an array, got ${JSON.stringify(value)}`).toBe(true);
  for (const id of value as unknown[]) expect(id).toMatch(UUID);
}

/** A contract `Event` (with `updates` too when `detail`): every field present, nothing else. */
export function expectEventShape(event: unknown, options: { detail?: boolean } = {}): asserts event is WireEvent {
  expect(event).toBeTypeOf('object');
  const value = event as Record<string, unknown>;
  const keys = options.detail ? [...eventKeys, 'updates'].sort() : eventKeys;
  expect(Object.keys(value).sort()).toEqual(keys);
  expect(value.id).toMatch(UUID);
  expect(value.title).toBeTypeOf('string');
  expect(eventTypes).toContain(value.type);
  expect(eventStatuses).toContain(value.status);
  if (value.severity !== null) expect(severities).toContain(value.severity);
  expect(value.description).toBeTypeOf('string');
  expectNullableTimestamp(value.started_at);
  expectNullableTimestamp(value.resolved_at);
  expectNullableTimestamp(value.scheduled_start_at);
  expectNullableTimestamp(value.scheduled_end_at);
  expect(value.notify_subscribers).toBeTypeOf('boolean');
  if (value.template_id !== null) expect(value.template_id).toMatch(UUID);
  expect(value.created_by).toMatch(UUID);
  expectUuidList(value.service_ids);
  expectUuidList(value.group_ids);
  expectTimestamp(value.created_at);
  expectTimestamp(value.updated_at);
  if (options.detail) {
    expect(Array.isArray(value.updates)).toBe(true);
    for (const update of value.updates as unknown[]) expectEventUpdateShape(update);
  }
}

/** A contract `EventUpdate`. */
export function expectEventUpdateShape(update: unknown): asserts update is WireEventUpdate {
  expect(update).toBeTypeOf('object');
  const value = update as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(updateKeys);
  expect(value.id).toMatch(UUID);
  expect(value.event_id).toMatch(UUID);
  expect(eventStatuses).toContain(value.status);
  expect(value.message).toBeTypeOf('string');
  expect(value.notify_subscribers).toBeTypeOf('boolean');
  expect(value.created_by).toMatch(UUID);
  expectTimestamp(value.created_at);
}

/** A contract `EventServiceChange`: a service row or a group row, never both. */
export function expectEventServiceChangeShape(change: unknown): asserts change is WireEventServiceChange {
  expect(change).toBeTypeOf('object');
  const value = change as Record<string, unknown>;
  expect(Object.keys(value).sort()).toEqual(changeKeys);
  expect(value.id).toMatch(UUID);
  expect(value.event_id).toMatch(UUID);
  if (value.batch_id !== null) expect(value.batch_id).toMatch(UUID);
  expect(['added', 'removed']).toContain(value.action);
  const targets = [value.service_id, value.group_id].filter((target) => target !== null);
  expect(targets).toHaveLength(1);
  expect(targets[0]).toMatch(UUID);
  expect(value.reason).toBeTypeOf('string');
  expect(value.created_by).toMatch(UUID);
  expectTimestamp(value.created_at);
}

/** A create body: an incident (investigating, minor) with a unique title unless overridden. */
export function incidentBody(overrides: Record<string, unknown> = {}) {
  return {
    title: `Incident ${unique('ev')}`,
    type: 'incident',
    status: 'investigating',
    severity: 'minor',
    description: 'Something is wrong',
    ...overrides,
  };
}

/** A create body: a maintenance (scheduled) with a unique title unless overridden. */
export function maintenanceBody(overrides: Record<string, unknown> = {}) {
  return {
    title: `Maintenance ${unique('mt')}`,
    type: 'maintenance',
    status: 'scheduled',
    description: 'Planned work',
    ...overrides,
  };
}

/** POST /events, expecting 201 and the contract shape. */
export async function createEvent(http: Http, token: string, body: Record<string, unknown>): Promise<WireEvent> {
  const event = dataOf<WireEvent>(await http.post('/api/v1/events', { token, body }), 201);
  expectEventShape(event);
  return event;
}

/** POST /events/{id}/updates, expecting 201 and the contract shape. */
export async function addUpdate(
  http: Http,
  token: string,
  id: string,
  body: Record<string, unknown>,
): Promise<WireEventUpdate> {
  const update = dataOf<WireEventUpdate>(await http.post(`/api/v1/events/${id}/updates`, { token, body }), 201);
  expectEventUpdateShape(update);
  return update;
}

/** Closes an event (resolved for incidents, completed for maintenance). */
export function closeEvent(http: Http, token: string, event: { id: string; type: EventType }, message = 'Closed') {
  return addUpdate(http, token, event.id, {
    status: event.type === 'incident' ? 'resolved' : 'completed',
    message,
  });
}

/** GET /events/{id}, checked against the contract shape (with its timeline). */
export async function getEvent(http: Http, id: string): Promise<WireEventDetail> {
  const event = dataOf<WireEventDetail>(await http.get(`/api/v1/events/${id}`));
  expectEventShape(event, { detail: true });
  return event as WireEventDetail;
}

/** GET /events/{id}/changes, checked against the contract shape. */
export async function getChanges(http: Http, id: string): Promise<WireEventServiceChange[]> {
  const changes = dataOf<WireEventServiceChange[]>(await http.get(`/api/v1/events/${id}/changes`));
  for (const change of changes) expectEventServiceChangeShape(change);
  return changes;
}

/** GET /events/{id}/updates, checked against the contract shape. */
export async function getUpdates(http: Http, id: string): Promise<WireEventUpdate[]> {
  const updates = dataOf<WireEventUpdate[]>(await http.get(`/api/v1/events/${id}/updates`));
  for (const update of updates) expectEventUpdateShape(update);
  return updates;
}

/** The whole status log of a service, newest first. */
export async function getStatusLog(http: Http, token: string, slug: string): Promise<WireStatusLogEntry[]> {
  const log = dataOf<{ entries: WireStatusLogEntry[]; total: number }>(
    await http.get(`/api/v1/services/${slug}/status-log?limit=100`, { token }),
  );
  expect(log.entries).toHaveLength(log.total);
  return log.entries;
}

/** Log entries reduced to what the tests compare, oldest first. */
export function logSummary(entries: WireStatusLogEntry[]) {
  return [...entries].reverse().map((entry) => ({
    old: entry.old_status,
    new: entry.new_status,
    source: entry.source_type,
    event: entry.event_id,
  }));
}

/**
 * The service's status as every public read serves it: GET /services/{slug},
 * GET /services (list), GET /services?status=<each status> (present exactly
 * under its effective status) and, when given, GET /services?group_id=<group>.
 */
export async function expectServiceStatus(
  http: Http,
  service: { id: string; slug: string },
  expected: { status: ServiceStatus; effective: ServiceStatus; active: boolean },
  groupIds: readonly string[] = [],
) {
  const wanted = {
    status: expected.status,
    effective_status: expected.effective,
    has_active_events: expected.active,
  };
  const pick = (item: WireService | undefined) =>
    item && { status: item.status, effective_status: item.effective_status, has_active_events: item.has_active_events };
  const [one, list, byStatus, byGroup] = await Promise.all([
    getService(http, service.slug),
    http.get('/api/v1/services').then((response) => dataOf<WireService[]>(response)),
    Promise.all(
      serviceStatuses.map((status) =>
        http.get(`/api/v1/services?status=${status}`).then((response) => dataOf<WireService[]>(response)),
      ),
    ),
    Promise.all(
      groupIds.map((groupId) =>
        http.get(`/api/v1/services?group_id=${groupId}`).then((response) => dataOf<WireService[]>(response)),
      ),
    ),
  ]);
  expect(pick(one), `GET /services/${service.slug}`).toEqual(wanted);
  expect(pick(list.find((item) => item.id === service.id)), 'GET /services').toEqual(wanted);
  serviceStatuses.forEach((status, index) => {
    const found = byStatus[index]?.find((item) => item.id === service.id);
    if (status === expected.effective) expect(pick(found), `GET /services?status=${status}`).toEqual(wanted);
    else expect(found, `GET /services?status=${status}`).toBeUndefined();
  });
  byGroup.forEach((items, index) => {
    expect(pick(items.find((item) => item.id === service.id)), `GET /services?group_id=${groupIds[index]}`).toEqual(
      wanted,
    );
  });
}
