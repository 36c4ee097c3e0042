import type { ServiceStatus } from '@statuspage/contracts';

/** One local day of one service. */
export interface DayUptime {
  date: string;
  /** The most severe status shown that day; null = no data (before the service existed, or in the future). */
  worst: ServiceStatus | null;
  /** Uptime of the day (see `uptimePercent` in rules.ts); null when nothing counts. */
  uptimePercent: number | null;
  /** Whole minutes in each status. */
  minutes: Partial<Record<ServiceStatus, number>>;
  /** Incidents and maintenance affecting the service that day, oldest first. */
  eventIds: string[];
}

/** One service over a range of days, with its uptime over the whole range. */
export interface ServiceDays {
  serviceId: string;
  days: DayUptime[];
  uptimePercent: number | null;
  /** Every event of its days (the union of the days' `eventIds`), in order of start. */
  eventIds: string[];
}

/** Uptime of one service over one local calendar month. */
export interface MonthUptime {
  month: string;
  uptimePercent: number | null;
}
