import {
  closedEventStatuses,
  type EventStatus,
  type EventType,
  inactiveEventStatuses,
  type ServiceStatus,
  statusesOf,
} from '@statuspage/contracts';
import { type SQL, sql } from 'drizzle-orm';
import { literalList } from '../shared/sql';
import { EventErrors } from './errors';

// The pure rules of events: which statuses are active or closed, how service statuses rank, what an
// update may change. The catalog imports them (effective status, archiving) instead of restating them.

/** Closed: resolved or completed. A closed event cannot be updated. */
export function isClosedStatus(status: EventStatus): boolean {
  return (closedEventStatuses as readonly string[]).includes(status);
}

/** Active: neither closed nor scheduled (a maintenance counts once it is in progress). */
export function isActiveStatus(status: EventStatus): boolean {
  return !(inactiveEventStatuses as readonly string[]).includes(status);
}

/** An event may be deleted unless it is active. */
export function isDeletable(status: EventStatus): boolean {
  return !isActiveStatus(status);
}

/** `column` (an event status) is active, as SQL. */
export const activeEventStatusSql = (column: SQL): SQL =>
  sql`${column} not in ${sql.raw(literalList(inactiveEventStatuses))}`;

/** `column` (an event status) is not active, as SQL: 1 for inactive, 0 for active (orders active first). */
export const inactiveRankSql = (column: SQL): SQL =>
  sql`case when ${column} in ${sql.raw(literalList(inactiveEventStatuses))} then 1 else 0 end`;

/** The status an event of this type closes with. */
export function closingStatusOf(type: EventType): EventStatus {
  return type === 'incident' ? 'resolved' : 'completed';
}

/** Whether the status belongs to the event type (an incident cannot be `scheduled`, …). */
export function assertStatusOfType(type: EventType, status: EventStatus) {
  if (!statusesOf(type).includes(status)) {
    throw EventErrors.invalid('status', `status ${status} is not a ${type} status`);
  }
}

/** A maintenance with a schedule: the worker keeps delayed jobs for it. */
export function isScheduledMaintenance(event: {
  type: EventType;
  scheduledStartAt: Date | null;
  scheduledEndAt: Date | null;
}): boolean {
  return event.type === 'maintenance' && (event.scheduledStartAt !== null || event.scheduledEndAt !== null);
}

/** How long a cancelled maintenance stays in calendars (as `STATUS:CANCELLED`). */
export const CANCELLATION_KEPT_DAYS = 30;

/** A deleted event is a cancellation when it is a maintenance that had not started. */
export function wasCancelled(event: { type: EventType; status: EventStatus }): boolean {
  return event.type === 'maintenance' && event.status === 'scheduled';
}

/** Service statuses from least to most severe: the one definition of the order, in TS and in SQL. */
export const serviceStatusSeverity: readonly ServiceStatus[] = [
  'operational',
  'maintenance',
  'degraded',
  'partial_outage',
  'major_outage',
];

/** The rank of a status in the severity order (operational 0 … major_outage 4). */
export function severityOf(status: ServiceStatus): number {
  return serviceStatusSeverity.indexOf(status);
}

/** The worse of two service statuses (the first on a tie). */
export function worseStatus(a: ServiceStatus, b: ServiceStatus): ServiceStatus {
  return severityOf(a) >= severityOf(b) ? a : b;
}

/** The worst of some service statuses; operational for none (a page's or a group's overall status). */
export function worstStatusOf(statuses: Iterable<ServiceStatus>): ServiceStatus {
  let worst: ServiceStatus = 'operational';
  for (const status of statuses) worst = worseStatus(worst, status);
  return worst;
}

/** The severity rank of a service-status column, as SQL (unknown values rank as operational). */
export const severitySql = (column: SQL): SQL =>
  sql`case ${column} ${sql.raw(
    serviceStatusSeverity
      .map((status, rank) => ({ status, rank }))
      .filter(({ rank }) => rank > 0)
      .reverse()
      .map(({ status, rank }) => `when '${status}' then ${rank}`)
      .join(' '),
  )} else 0 end`;

/** The service status of a severity rank (an SQL integer, 0 … 4), as SQL: the inverse of `severitySql`. */
export const statusOfSeveritySql = (rank: SQL): SQL =>
  sql`(${sql.raw(`array[${serviceStatusSeverity.map((status) => `'${status}'`).join(', ')}]`)}::service_status[])[1 + ${rank}]`;

/** Fails on an id listed twice in one field. */
export function assertUnique(field: string, ids: readonly string[]) {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) throw EventErrors.invalid(field, `${field}: ${id} is listed more than once`);
    seen.add(id);
  }
}

/**
 * Services of several groups, each with its group's status; a service in
 * several of the groups gets the worst of their statuses.
 */
export function groupStatuses(
  groups: readonly { group_id: string; status: ServiceStatus }[],
  members: readonly { groupId: string; serviceId: string }[],
): Map<string, ServiceStatus> {
  const expanded = new Map<string, ServiceStatus>();
  const statusOfGroup = new Map(groups.map((group) => [group.group_id, group.status]));
  for (const member of members) {
    const status = statusOfGroup.get(member.groupId);
    if (!status) continue;
    const current = expanded.get(member.serviceId);
    expanded.set(member.serviceId, current ? worseStatus(current, status) : status);
  }
  return expanded;
}

/** Stored and effective status of one service at one moment. */
export interface StatusSnapshot {
  stored: ServiceStatus;
  effective: ServiceStatus;
}

/** One status-log entry an event write causes. */
export interface StatusChange {
  serviceId: string;
  oldStatus: ServiceStatus;
  newStatus: ServiceStatus;
}

/**
 * The status changes between two snapshots: for every service whose effective
 * status changed, that change; where it did not, a change of its stored status.
 */
export function statusChanges(
  before: ReadonlyMap<string, StatusSnapshot>,
  after: ReadonlyMap<string, StatusSnapshot>,
): StatusChange[] {
  const changes: StatusChange[] = [];
  for (const [serviceId, now] of after) {
    const then = before.get(serviceId);
    if (!then) continue;
    if (then.effective !== now.effective) {
      changes.push({ serviceId, oldStatus: then.effective, newStatus: now.effective });
    } else if (then.stored !== now.stored) {
      changes.push({ serviceId, oldStatus: then.stored, newStatus: now.stored });
    }
  }
  return changes;
}

/** The times of a new event, checked against each other and against now. */
export function validateTimes(
  input: {
    type: EventType;
    started_at?: string | undefined;
    resolved_at?: string | undefined;
    scheduled_start_at?: string | undefined;
    scheduled_end_at?: string | undefined;
  },
  now: Date,
) {
  const startedAt = input.started_at ? new Date(input.started_at) : undefined;
  const resolvedAt = input.resolved_at ? new Date(input.resolved_at) : undefined;
  const scheduledStart = input.scheduled_start_at ? new Date(input.scheduled_start_at) : undefined;
  const scheduledEnd = input.scheduled_end_at ? new Date(input.scheduled_end_at) : undefined;
  if (input.type === 'incident' && (scheduledStart || scheduledEnd)) {
    throw EventErrors.invalid(
      scheduledStart ? 'scheduled_start_at' : 'scheduled_end_at',
      'only maintenance can be scheduled',
    );
  }
  assertScheduleOrder(scheduledStart, scheduledEnd);
  if (resolvedAt) {
    if (!startedAt) throw EventErrors.invalid('started_at', 'started_at is required with resolved_at');
    if (resolvedAt < startedAt) throw EventErrors.invalid('resolved_at', 'resolved_at must not be before started_at');
    if (resolvedAt.getTime() > now.getTime() + 60_000) {
      throw EventErrors.invalid('resolved_at', 'resolved_at must not be in the future');
    }
  }
  return { startedAt, resolvedAt, scheduledStart, scheduledEnd };
}

/** A scheduled end must come after the scheduled start. */
export function assertScheduleOrder(start: Date | null | undefined, end: Date | null | undefined) {
  if (start && end && end <= start) {
    throw EventErrors.invalid('scheduled_end_at', 'scheduled_end_at must be after scheduled_start_at');
  }
}

/** What an update asks to change in the composition of an event. */
export interface CompositionRequest {
  service_updates: readonly { service_id: string }[];
  add_services: readonly { service_id: string }[];
  add_groups: readonly { group_id: string }[];
  remove_service_ids: readonly string[];
}

/** No id twice in one field of a new event. */
export function assertUniqueInOpen(input: {
  affected_services: readonly { service_id: string }[];
  affected_groups: readonly { group_id: string }[];
}) {
  assertUnique(
    'affected_services',
    input.affected_services.map((service) => service.service_id),
  );
  assertUnique(
    'affected_groups',
    input.affected_groups.map((group) => group.group_id),
  );
}

/** No id twice in one field of an update. */
export function assertUniqueInUpdate(input: CompositionRequest) {
  assertUnique(
    'service_updates',
    input.service_updates.map((service) => service.service_id),
  );
  assertUnique(
    'add_services',
    input.add_services.map((service) => service.service_id),
  );
  assertUnique(
    'add_groups',
    input.add_groups.map((group) => group.group_id),
  );
  assertUnique('remove_service_ids', input.remove_service_ids);
}

/**
 * An update's composition against the services the event has: updated and
 * removed services must be in it, added ones not, and none both updated and removed.
 */
export function assertCompositionChange(inEvent: ReadonlySet<string>, input: CompositionRequest) {
  const notInEvent = (ids: string[], field: string) => {
    const missing = ids.filter((id) => !inEvent.has(id));
    if (missing.length > 0) throw EventErrors.invalid(field, `services not in this event: ${missing.join(', ')}`);
  };
  notInEvent(
    input.service_updates.map((service) => service.service_id),
    'service_updates',
  );
  notInEvent([...input.remove_service_ids], 'remove_service_ids');
  const alreadyIn = input.add_services.filter((service) => inEvent.has(service.service_id));
  if (alreadyIn.length > 0) {
    throw EventErrors.invalid(
      'add_services',
      `services already in this event (use service_updates): ${alreadyIn.map((service) => service.service_id).join(', ')}`,
    );
  }
  const removing = new Set(input.remove_service_ids);
  const clash = input.service_updates.filter((service) => removing.has(service.service_id));
  if (clash.length > 0) {
    throw EventErrors.invalid(
      'remove_service_ids',
      `services both updated and removed: ${clash.map((service) => service.service_id).join(', ')}`,
    );
  }
}

/**
 * After locking: fails if an explicitly named service is not usable (archived
 * meanwhile), and drops group-derived services that are not.
 */
export function keepUsable(
  usable: ReadonlySet<string>,
  field: string,
  explicit: readonly string[],
  fromGroups: Map<string, ServiceStatus>,
) {
  const archived = explicit.filter((id) => !usable.has(id));
  if (archived.length > 0) {
    throw EventErrors.invalid(field, `unknown or archived service ids: ${archived.join(', ')}`);
  }
  for (const id of [...fromGroups.keys()]) if (!usable.has(id)) fromGroups.delete(id);
}
