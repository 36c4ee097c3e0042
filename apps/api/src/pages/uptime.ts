import type { ServiceStatus } from '@statuspage/contracts';

// The uptime figures the pages draw, in the shape of core's uptime module
// (`core.uptime.days`, `core.uptime.months`).

export interface DayUptime {
  date: string;
  /** null = no data that day. */
  worst: ServiceStatus | null;
  uptimePercent: number | null;
  minutes: Partial<Record<ServiceStatus, number>>;
  /** Incidents and maintenance affecting the service that day. */
  eventIds: string[];
}

export interface ServiceDays {
  serviceId: string;
  days: DayUptime[];
  uptimePercent: number | null;
}

export interface MonthUptime {
  month: string;
  uptimePercent: number | null;
}
