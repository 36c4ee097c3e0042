import type { AuditActorType } from '@statuspage/contracts';

/**
 * Who a change is made by, as the audit log records it: a person (`user`), an API key (its id;
 * `userId` the key's owner), an integration (its id), a visitor's form or an unauthenticated call
 * (`anonymous`), or the system (the worker's jobs; also every transaction opened without a context).
 */
export interface AuditActor {
  type: AuditActorType;
  id?: string | null;
  /** The person behind the actor: the user, or a key's owner. */
  userId?: string | null;
  /** The user's (or the key owner's) e-mail address at the time. */
  label?: string | null;
}

/** What a request or a job tells the transactions it opens: the actor, and where the change came from. */
export interface AuditContext {
  /** The actor, or how to find it (resolved when the first transaction opens, once). */
  actor: AuditActor | (() => AuditActor | Promise<AuditActor>);
  ip?: string | null;
  requestId?: string | null;
  /** The procedure (`services.update`), page form (`POST /subscribe`) or job that makes the change. */
  operation?: string | null;
}

/**
 * The transaction-local setting the `audit_row()` trigger reads (migration 0015): JSON of the
 * actor and the request. Strings are cut to what a column sensibly holds.
 */
export function auditSetting(actor: AuditActor, context: Omit<AuditContext, 'actor'>): string {
  const cut = (value: string | null | undefined, max: number) => (value ? value.slice(0, max) : null);
  return JSON.stringify({
    type: actor.type,
    id: cut(actor.id, 64),
    user_id: actor.userId ?? null,
    label: cut(actor.label, 254),
    ip: cut(context.ip, 64),
    request_id: cut(context.requestId, 128),
    operation: cut(context.operation, 128),
  });
}

/** How the trigger of an audited table is told to treat its columns (the arguments of `audit_row()`). */
export interface AuditedTable {
  /** The entries' `target_type`. */
  target: string;
  /** The columns whose values, joined with ':', are the entries' `target_id`. */
  key: readonly string[];
  /** Columns never recorded by value: `"[redacted]"` instead. */
  secrets?: readonly string[];
  /** Bookkeeping columns: an update that changes only these is no entry. */
  ignored?: readonly string[];
  /** Destinations that may be URLs with a token in them: only scheme and host are kept. */
  destinations?: readonly string[];
}

/**
 * Every audited table and its trigger's arguments, as migration 0015 creates them (the audit test
 * compares this list with pg_trigger, and requires every other table in `unauditedTables`).
 */
export const auditedTables: Readonly<Record<string, AuditedTable>> = {
  services: { target: 'service', key: ['id'], ignored: ['updated_at'] },
  service_groups: { target: 'group', key: ['id'], ignored: ['updated_at'] },
  service_group_members: { target: 'group_member', key: ['group_id', 'service_id'] },
  service_tags: { target: 'service_tag', key: ['service_id', 'key'] },
  templates: { target: 'template', key: ['id'], ignored: ['updated_at'] },
  events: { target: 'event', key: ['id'], ignored: ['updated_at'] },
  event_updates: { target: 'event_update', key: ['id'] },
  event_services: { target: 'event_service', key: ['event_id', 'service_id'] },
  event_groups: { target: 'event_group', key: ['event_id', 'group_id'] },
  users: { target: 'user', key: ['id'], secrets: ['password_hash'], ignored: ['updated_at'] },
  api_keys: { target: 'api_key', key: ['id'], secrets: ['secret_hash'], ignored: ['last_used_at'] },
  integrations: { target: 'integration', key: ['id'], secrets: ['secret_hash'], ignored: ['updated_at'] },
  subscribers: {
    target: 'subscriber',
    key: ['id'],
    secrets: ['confirm_token_hash', 'ip_hash'],
    ignored: ['last_mail_at', 'updated_at'],
  },
  notification_channels: {
    target: 'channel',
    key: ['id'],
    secrets: ['signing_secret'],
    destinations: ['target'],
    ignored: ['consecutive_failures', 'updated_at'],
  },
  channel_subscriptions: { target: 'channel_service', key: ['channel_id', 'service_id'] },
  channel_group_subscriptions: { target: 'channel_group', key: ['channel_id', 'group_id'] },
  page_settings: { target: 'page_settings', key: ['id'], ignored: ['updated_at'] },
};

/** The tables the audit log leaves out, and why: none of them holds a change a person makes directly. */
export const unauditedTables: Readonly<Record<string, string>> = {
  audit_entries: 'the audit log itself',
  sessions: 'sign-in state, not a change of the page',
  refresh_tokens: 'sign-in state, not a change of the page',
  password_reset_tokens: 'credentials in flight; the reset itself is an update of users',
  channel_verifications: 'verification codes in flight; the result is an update of notification_channels',
  verification_sends: 'the sending counter of verification codes',
  event_service_changes: "the event's composition history, a log written with event_services and event_groups",
  cancelled_maintenances: 'kept by the deletion of a maintenance, which events records',
  event_subscribers: "an event's receivers, derived from the subscriptions when it is written",
  service_status_log: 'the status history itself; the change is an update of services',
  service_status_days: 'the rollup of the status log',
  service_status_day_zones: 'the rollup of the status log',
  integration_alerts: "the alerts an integration received (the integration's own record)",
  integration_incidents: 'which incident follows which alert group; the incident is in events',
  notification_messages: 'delivery bookkeeping',
  notification_deliveries: 'delivery bookkeeping',
  outbox: 'delivery bookkeeping',
  installation: 'written once, by the first migration run',
};

/** The arguments `audit_row()` is created with for a table (its markers: `-` secret, `~` ignored, `@` destination). */
export function triggerArguments(table: AuditedTable): string[] {
  return [
    table.target,
    table.key.join(','),
    ...(table.secrets ?? []).map((column) => `-${column}`),
    ...(table.destinations ?? []).map((column) => `@${column}`),
    ...(table.ignored ?? []).map((column) => `~${column}`),
  ];
}

/** A page's position: the id of its last entry (entries are listed newest first). */
export function encodeCursor(lastId: number): string {
  return Buffer.from(`a1:${lastId}`).toString('base64url');
}

/** The id a cursor continues after, or null when it is not one of ours. */
export function decodeCursor(cursor: string): number | null {
  const match = /^a1:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match?.[1]) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) ? id : null;
}

/** The moment before which entries are deleted, for a retention of `seconds` (0: keep everything). */
export function retentionCutoff(now: Date, seconds: number): Date | null {
  if (seconds <= 0) return null;
  return new Date(now.getTime() - seconds * 1000);
}
