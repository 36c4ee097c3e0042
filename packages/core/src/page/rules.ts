import type { PageSettings, UpdatePageSettingsInput } from '@statuspage/contracts';

/** What the page shows until an admin saves its settings. */
export const defaultPageSettings: PageSettings = {
  name: 'Status',
  description: null,
  logo_url: null,
  favicon_url: null,
  site_url: null,
  support_url: null,
  time_zone: 'UTC',
  language: 'en',
  footer_text: null,
  updated_at: null,
};

/** Blank text is no text. */
const textOrNull = (value: string | null | undefined) => (value?.trim() ? value.trim() : null);

/** The settings a PUT stores: it replaces them all, a field left out takes its default. */
export function replacedSettings(input: UpdatePageSettingsInput): Omit<PageSettings, 'updated_at'> {
  return {
    name: input.name.trim(),
    description: textOrNull(input.description),
    logo_url: input.logo_url ?? null,
    favicon_url: input.favicon_url ?? null,
    site_url: input.site_url ?? null,
    support_url: input.support_url ?? null,
    time_zone: input.time_zone ?? defaultPageSettings.time_zone,
    language: input.language ?? defaultPageSettings.language,
    footer_text: textOrNull(input.footer_text),
  };
}
