import { type PageSettings, pageLanguages, type UpdatePageSettingsInput } from '@statuspage/contracts';
import type { PageDeps } from './ports';
import { defaultPageSettings, replacedSettings } from './rules';
import { readSettings, writeSettings } from './store';
import { pageSettingsView } from './views';

/** The page settings use-cases. */
export function createPageUseCases(deps: PageDeps) {
  const { db, clock } = deps;
  return {
    /** The settings, or the defaults while none were saved. */
    async get(): Promise<PageSettings> {
      const row = await readSettings(db);
      return row ? pageSettingsView(row, pageLanguages) : defaultPageSettings;
    },

    /** Replaces the settings (a field left out takes its default). */
    async update(input: UpdatePageSettingsInput): Promise<PageSettings> {
      const next = replacedSettings(input);
      const values = {
        name: next.name,
        description: next.description,
        logoUrl: next.logo_url,
        faviconUrl: next.favicon_url,
        siteUrl: next.site_url,
        supportUrl: next.support_url,
        timeZone: next.time_zone,
        language: next.language,
        footerText: next.footer_text,
        updatedAt: clock(),
      };
      const row = await db.transaction((tx) => writeSettings(tx, values));
      return pageSettingsView(row, pageLanguages);
    },
  };
}
export type PageUseCases = ReturnType<typeof createPageUseCases>;
