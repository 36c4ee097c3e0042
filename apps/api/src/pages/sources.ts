import type { Core } from '@statuspage/core';
import type { PageSettingsView } from './context';
import type { MonthUptime, ServiceDays } from './uptime';

/** Where the pages read what core does not have yet in one place: page settings and uptime. */
export interface PageSources {
  settings(): Promise<PageSettingsView>;
  uptimeDays(input: { from: string; to: string; timeZone: string; serviceIds?: string[] }): Promise<ServiceDays[]>;
  uptimeMonths(input: { serviceId: string; months: number; timeZone: string }): Promise<MonthUptime[]>;
}

const defaultSettings: PageSettingsView = {
  name: 'Status',
  description: null,
  logo_url: null,
  favicon_url: null,
  site_url: null,
  support_url: null,
  time_zone: 'UTC',
  language: 'en',
  footer_text: null,
};

/** The sources over core. */
export function pageSourcesOf(_core: Core): PageSources {
  return {
    settings: async () => defaultSettings,
    uptimeDays: async () => [],
    uptimeMonths: async () => [],
  };
}
