import { z } from 'zod';

export const roles = ['user', 'operator', 'admin'] as const;
export const Role = z.enum(roles);
export type Role = z.infer<typeof Role>;

export const serviceStatuses = ['operational', 'degraded', 'partial_outage', 'major_outage', 'maintenance'] as const;
export const ServiceStatus = z.enum(serviceStatuses);
export type ServiceStatus = z.infer<typeof ServiceStatus>;

export const statusLogSources = ['manual', 'event', 'webhook'] as const;
export const StatusLogSource = z.enum(statusLogSources);
export type StatusLogSource = z.infer<typeof StatusLogSource>;

export const eventTypes = ['incident', 'maintenance'] as const;
export const EventType = z.enum(eventTypes);
export type EventType = z.infer<typeof EventType>;

export const eventStatuses = [
  'investigating',
  'identified',
  'monitoring',
  'resolved',
  'scheduled',
  'in_progress',
  'completed',
] as const;
export const EventStatus = z.enum(eventStatuses);
export type EventStatus = z.infer<typeof EventStatus>;

export const severities = ['minor', 'major', 'critical'] as const;
export const Severity = z.enum(severities);
export type Severity = z.infer<typeof Severity>;

export const channelTypes = ['email', 'telegram', 'mattermost', 'webhook', 'slack', 'discord', 'teams'] as const;
export const ChannelType = z.enum(channelTypes);
export type ChannelType = z.infer<typeof ChannelType>;
