import type { PageSettings } from '@statuspage/contracts';
import type { Formats, Language, Messages } from './i18n';

/** What every component of a page knows: the language, its strings and formatters, the settings, the address. */
export interface PageContext {
  lang: Language;
  t: Messages;
  f: Formats;
  settings: PageSettings;
  /** The page's time zone (the setting, when Intl knows it). */
  timeZone: string;
  /** The path of this page and its query parameters other than `lang` (for the language links). */
  path: string;
  query: Record<string, string>;
  /** The public base URL (`NOTIFICATIONS_BASE_URL`), for absolute links. */
  baseUrl: string;
  /** Whether the visitor chose the language with `?lang=` (links then keep it). */
  explicitLanguage: boolean;
}

/** A link to one of the pages, keeping a language the visitor chose with `?lang=`. */
export function pageHref(ctx: PageContext, path: string, params: Record<string, string> = {}) {
  const query = new URLSearchParams({ ...params, ...(ctx.explicitLanguage ? { lang: ctx.lang } : {}) }).toString();
  return query ? `${path}?${query}` : path;
}
