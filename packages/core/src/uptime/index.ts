// The uptime module: per service and local day, the time in each status, the worst status and
// uptime, read from the catalog's per-day rollup of the status log (see ARCHITECTURE.md, Uptime).

import { createDayMemo, type DaysQuery, type MonthsQuery, uptimeDays, uptimeMonths } from './days';
import type { UptimeDeps } from './ports';

export { UptimeErrors } from './errors';
export type {
  ServiceEventSpan,
  UptimeCatalog,
  UptimeDeps,
  UptimeEvents,
  UptimeService,
} from './ports';
export {
  addDays,
  dayGrid,
  downtimeWeight,
  durationsByDay,
  intervalsOf,
  localDate,
  STATUSES_PER_DAY,
  type StatusDurations,
  type StatusInterval,
  uptimePercent,
} from './rules';
export type { DayUptime, MonthUptime, ServiceDays } from './views';

/** Uptime per day and per month, for the public pages. */
export function createUptimeUseCases(deps: UptimeDeps) {
  // The page reads every service's 90 days after each write; only the days that changed are summarised again.
  const memo = createDayMemo();
  return {
    days: (query: DaysQuery) => uptimeDays(deps, query, memo),
    months: (query: MonthsQuery) => uptimeMonths(deps, query),
  };
}
export type UptimeUseCases = ReturnType<typeof createUptimeUseCases>;
export type { DaysQuery, MonthsQuery };
