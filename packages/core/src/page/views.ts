import type { PageLanguage, PageSettings } from '@statuspage/contracts';
import type { PageSettingsRow } from './store';

/** Row → wire. A language the row names but this version does not speak falls back to English. */
export function pageSettingsView(row: PageSettingsRow, languages: readonly string[]): PageSettings {
  return {
    name: row.name,
    description: row.description,
    logo_url: row.logoUrl,
    favicon_url: row.faviconUrl,
    site_url: row.siteUrl,
    support_url: row.supportUrl,
    time_zone: row.timeZone,
    language: (languages.includes(row.language) ? row.language : 'en') as PageLanguage,
    footer_text: row.footerText,
    updated_at: row.updatedAt.toISOString(),
  };
}
