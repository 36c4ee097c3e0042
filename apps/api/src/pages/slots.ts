import type { Language } from './i18n';

/**
 * A link another feature puts on the pages, in every page's `<head>`
 * (`<link rel="alternate">`) and footer. `href` gets the page being rendered
 * (a service's page passes its slug) and answers null where it does not apply.
 */
export interface FeedLink {
  type: string;
  href: (page: { serviceSlug?: string }) => string | null;
  title: Record<Language, string>;
}

/** The feeds and calendars (syndication/routes.ts). */
export { feedLinks } from '../syndication/routes';

/** Where visitors subscribe to notifications (shown in the header): the form of `subscribe-pages.tsx`. */
export const subscribeLink: { href: string | null } = { href: '/subscribe' };
