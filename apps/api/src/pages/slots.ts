import type { Language } from './i18n';

/**
 * Links other features put on the pages: each feed appends itself here and
 * appears in every page's `<head>` (`<link rel="alternate">`) and footer.
 * `href` gets the page being rendered (a service's page passes its slug) and
 * answers null where the feed does not apply.
 */
export interface FeedLink {
  type: string;
  href: (page: { serviceSlug?: string }) => string | null;
  title: Record<Language, string>;
}

export const feedLinks: FeedLink[] = [];

/** Where visitors subscribe to notifications, once that page exists (shown in the header and footer). */
export const subscribeLink: { href: string | null } = { href: null };
