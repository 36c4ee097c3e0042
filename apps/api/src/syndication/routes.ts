/**
 * The page for machines, outside the procedures: the Statuspage public API v2
 * (`/api/v2/*.json`), history feeds (Atom, RSS), maintenance calendars (iCal)
 * and status badges (SVG, shields.io endpoint JSON). Anonymous GET and HEAD,
 * readable from any origin (`Access-Control-Allow-Origin: *`, no
 * credentials) and embeddable anywhere (`Cross-Origin-Resource-Policy: cross-origin`).
 * Each answer is one use-case of `core.syndication` written out by `render.ts`.
 */
import { BadgeQuery, type ShieldsEndpointResponse } from '@statuspage/contracts';
import { type BadgeTarget, type Core, DomainError } from '@statuspage/core';
import cors from 'cors';
import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import { PUBLIC_CACHE_CONTROL } from '../http/public-cache/policy';
import { publicReadsOf } from '../http/public-cache/replica';
import type { PublicRoute } from '../http/public-routes';
import type { FeedLink } from '../pages/slots';
import { fieldErrors } from '../trpc/errors';
import { renderAtom, renderBadge, renderCalendar, renderRss } from './render';

/** Badges are fetched by image proxies (GitHub's camo) that honour max-age: a minute keeps them fresh enough. */
export const BADGE_CACHE_CONTROL = 'public, max-age=60, s-maxage=60';

const JSON_TYPE = 'application/json; charset=utf-8';
const ATOM_TYPE = 'application/atom+xml; charset=utf-8';
const RSS_TYPE = 'application/rss+xml; charset=utf-8';
const CALENDAR_TYPE = 'text/calendar; charset=utf-8';
const SVG_TYPE = 'image/svg+xml; charset=utf-8';

type Syndication = Core['syndication'];

/** What one route answers: its content type and body. */
type Produce = (syndication: Syndication, req: Request, links: Links) => Promise<{ type: string; body: string }>;

interface Links {
  baseUrl: string;
}

/** One route of the page for machines: its path template (OpenAPI form), cache rules and answer. */
export interface SyndicationRoute {
  template: string;
  cacheControl: string;
  produce: Produce;
}

const json =
  (read: (syndication: Syndication) => Promise<unknown>): Produce =>
  async (syndication) => ({ type: JSON_TYPE, body: JSON.stringify(await read(syndication)) });

const slugOf = (req: Request) => String(req.params.slug);

const feedRoute = (format: 'atom' | 'rss', perService: boolean): Produce => {
  return async (syndication, req, { baseUrl }) => {
    const slug = perService ? slugOf(req) : undefined;
    const model = await syndication.feed(slug);
    const base = slug === undefined ? baseUrl : `${baseUrl}/services/${encodeURIComponent(slug)}`;
    const links = { atom: `${base}/history.atom`, rss: `${base}/history.rss` };
    return format === 'atom'
      ? { type: ATOM_TYPE, body: renderAtom(model, links) }
      : { type: RSS_TYPE, body: renderRss(model, links) };
  };
};

const calendarRoute =
  (perService: boolean): Produce =>
  async (syndication, req) => ({
    type: CALENDAR_TYPE,
    body: renderCalendar(await syndication.calendar(perService ? slugOf(req) : undefined)),
  });

/** A refused badge query, answered as the other 400s are. */
class BadQuery extends Error {
  constructor(readonly fields: { field: string; message: string }[]) {
    super('invalid query');
  }
}

function badgeQuery(req: Request) {
  const parsed = BadgeQuery.safeParse(req.query);
  if (!parsed.success) throw new BadQuery(fieldErrors(parsed.error.issues));
  return parsed.data;
}

const badgeTarget = (kind: 'page' | 'service' | 'group', req: Request): BadgeTarget =>
  kind === 'page' ? { page: true } : kind === 'service' ? { service: slugOf(req) } : { group: slugOf(req) };

const svgBadgeRoute =
  (kind: 'page' | 'service' | 'group'): Produce =>
  async (syndication, req) => {
    const query = badgeQuery(req);
    const model = await syndication.badge(badgeTarget(kind, req));
    return { type: SVG_TYPE, body: renderBadge({ ...model, label: query.label ?? model.label }, query.style) };
  };

const jsonBadgeRoute =
  (kind: 'page' | 'service'): Produce =>
  async (syndication, req) => {
    const query = badgeQuery(req);
    const model = await syndication.badge(badgeTarget(kind, req));
    const body: ShieldsEndpointResponse = {
      schemaVersion: 1,
      label: query.label ?? model.label,
      message: model.message,
      color: model.color,
    };
    return { type: JSON_TYPE, body: JSON.stringify(body) };
  };

const withCacheControl = (cacheControl: string, routes: Omit<SyndicationRoute, 'cacheControl'>[]) =>
  routes.map((route) => ({ ...route, cacheControl }));

/** Every route, in the order Express tries them. */
export const syndicationRoutes: SyndicationRoute[] = [
  ...withCacheControl(PUBLIC_CACHE_CONTROL, [
    { template: '/api/v2/summary.json', produce: json((s) => s.summary()) },
    { template: '/api/v2/status.json', produce: json((s) => s.status()) },
    { template: '/api/v2/components.json', produce: json((s) => s.components()) },
    { template: '/api/v2/incidents.json', produce: json((s) => s.incidents(false)) },
    { template: '/api/v2/incidents/unresolved.json', produce: json((s) => s.incidents(true)) },
    { template: '/api/v2/scheduled-maintenances.json', produce: json((s) => s.maintenances('recent')) },
    { template: '/api/v2/scheduled-maintenances/upcoming.json', produce: json((s) => s.maintenances('upcoming')) },
    { template: '/api/v2/scheduled-maintenances/active.json', produce: json((s) => s.maintenances('active')) },
    { template: '/history.atom', produce: feedRoute('atom', false) },
    { template: '/history.rss', produce: feedRoute('rss', false) },
    { template: '/services/{slug}/history.atom', produce: feedRoute('atom', true) },
    { template: '/services/{slug}/history.rss', produce: feedRoute('rss', true) },
    { template: '/maintenance.ics', produce: calendarRoute(false) },
    { template: '/services/{slug}/maintenance.ics', produce: calendarRoute(true) },
  ]),
  ...withCacheControl(BADGE_CACHE_CONTROL, [
    { template: '/badge.svg', produce: svgBadgeRoute('page') },
    { template: '/services/{slug}/badge.svg', produce: svgBadgeRoute('service') },
    { template: '/groups/{slug}/badge.svg', produce: svgBadgeRoute('group') },
    { template: '/badge.json', produce: jsonBadgeRoute('page') },
    { template: '/services/{slug}/badge.json', produce: jsonBadgeRoute('service') },
  ]),
];

/** The routes in the public cache's list: served from cached bytes, `Access-Control-Allow-Origin: *`. */
export const syndicationPublicRoutes: PublicRoute[] = syndicationRoutes.map(({ template, cacheControl }) => ({
  template,
  cacheControl,
  cors: 'any-origin',
}));

/**
 * The feeds and calendars a page links to (`<link rel="alternate">` in its head and in its footer):
 * the page's own, and on a service's page that service's too.
 */
export const feedLinks: FeedLink[] = [
  { type: 'application/atom+xml', href: () => '/history.atom', title: { en: 'History (Atom)', ru: 'История (Atom)' } },
  { type: 'application/rss+xml', href: () => '/history.rss', title: { en: 'History (RSS)', ru: 'История (RSS)' } },
  {
    type: 'text/calendar',
    href: () => '/maintenance.ics',
    title: { en: 'Maintenance calendar', ru: 'Календарь работ' },
  },
  ...(['atom', 'rss'] as const).map((format) => ({
    type: format === 'atom' ? 'application/atom+xml' : 'application/rss+xml',
    href: ({ serviceSlug }: { serviceSlug?: string }) =>
      serviceSlug ? `/services/${encodeURIComponent(serviceSlug)}/history.${format}` : null,
    title: {
      en: `This service's history (${format === 'atom' ? 'Atom' : 'RSS'})`,
      ru: `История сервиса (${format === 'atom' ? 'Atom' : 'RSS'})`,
    },
  })),
  {
    type: 'text/calendar',
    href: ({ serviceSlug }) => (serviceSlug ? `/services/${encodeURIComponent(serviceSlug)}/maintenance.ics` : null),
    title: { en: "This service's maintenance calendar", ru: 'Календарь работ сервиса' },
  },
];

/** An OpenAPI path template as an Express path (`{slug}` → `:slug`). */
export const expressPathOf = (template: string) => template.replace(/\{([^}]+)\}/g, ':$1');

/** The readable-from-anywhere headers of every answer here (also on errors and preflights). */
const anyOrigin = cors({ origin: '*', methods: ['GET', 'HEAD'], maxAge: 86_400 });
const embeddable: RequestHandler = (_req, res, next) => {
  // helmet's default (same-origin) would stop other sites from showing a badge or reading a feed.
  res.setHeader('Cross-Origin-Resource-Policy', 'cross-origin');
  next();
};

function sendError(res: Response, status: number, message: string, details?: unknown) {
  res
    .status(status)
    .type(JSON_TYPE)
    .send(JSON.stringify({ error: details === undefined ? { message } : { message, details } }));
}

/** The router of the page for machines (mounted before the app's credentialed CORS). */
export function createSyndicationRouter(core: Core, options: { baseUrl: string }): Router {
  const router = express.Router();
  const links = { baseUrl: options.baseUrl.replace(/\/+$/, '') };
  for (const route of syndicationRoutes) {
    const path = expressPathOf(route.template);
    router.options(path, embeddable, anyOrigin);
    router.get(path, embeddable, anyOrigin, async (req, res, next) => {
      try {
        // Read where the public cache routed this refill (the read replica or the primary).
        const { type, body } = await route.produce(publicReadsOf(core, req).syndication, req, links);
        res.status(200).type(type).setHeader('Cache-Control', route.cacheControl);
        res.send(body);
      } catch (error) {
        if (error instanceof BadQuery) {
          sendError(res, 400, 'invalid query', error.fields);
          return;
        }
        if (error instanceof DomainError && error.kind === 'not_found') {
          sendError(res, 404, error.message);
          return;
        }
        next(error);
      }
    });
  }
  return router;
}
