import { pgEnum } from 'drizzle-orm/pg-core';

/** Database enums shared by several tables (kept apart so the table files can import each other). */
export const serviceStatusEnum = pgEnum('service_status', [
  'operational',
  'degraded',
  'partial_outage',
  'major_outage',
  'maintenance',
]);
export const statusSourceEnum = pgEnum('status_source', ['manual', 'event', 'webhook']);

export const eventTypeEnum = pgEnum('event_type', ['incident', 'maintenance']);
export const eventStatusEnum = pgEnum('event_status', [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'scheduled',
  'in_progress',
  'completed',
]);
export const severityEnum = pgEnum('event_severity', ['minor', 'major', 'critical']);
export const changeActionEnum = pgEnum('event_change_action', ['added', 'removed']);

export const channelTypeEnum = pgEnum('channel_type', [
  'email',
  'telegram',
  'mattermost',
  'webhook',
  'slack',
  'discord',
  'teams',
]);
export const deliveryStateEnum = pgEnum('delivery_state', ['pending', 'sent', 'failed']);
/** An account-less subscriber: waiting for its address to be confirmed, or confirmed. */
export const subscriberStateEnum = pgEnum('subscriber_state', ['pending', 'confirmed']);
