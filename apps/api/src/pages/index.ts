import { type Group, Uuid } from '@statuspage/contracts';
import { type Core, DomainError } from '@statuspage/core';
import express, { type Request, type Response, type Router } from 'express';
import type { PageContext } from './context';
import { pageCsp } from './csp';
import { renderErrorPage } from './error-page';
import { renderEventPage } from './event-page';
import { renderHistoryPage } from './history-page';
import { catalogues, chooseLanguage, formatsFor, isLanguage, knownTimeZone } from './i18n';
import { PAGE_CACHE_CONTROL } from './routes';
import { lastNinetyDays, pageNumber } from './rules';
import { renderServicePage } from './service-page';
import { createRowMemo, renderStatusPage } from './status-page';

export { PAGE_CACHE_CONTROL, pageRoutes, pageVariant } from './routes';
export { feedLinks, subscribeLink } from './slots';

/** Closed events per page of `/history`. */
export const HISTORY_PAGE_SIZE = 20;

export interface PagesOptions {
  core: Core;
  /** The public base URL (NOTIFICATIONS_BASE_URL). */
  baseUrl: string;
  now?: () => Date;
}

/** The context of one page: the settings, the language the visitor gets, its formatters. */
async function pageContext(
  core: Core,
  req: Request,
  baseUrl: string,
  query: Record<string, string> = {},
): Promise<PageContext> {
  const settings = await core.page.get();
  const fallback = isLanguage(settings.language) ? settings.language : 'en';
  const lang = chooseLanguage(req.query.lang, req.get('accept-language'), fallback);
  const timeZone = knownTimeZone(settings.time_zone);
  return {
    lang,
    t: catalogues[lang],
    f: formatsFor(lang, timeZone),
    settings,
    timeZone,
    path: req.path,
    query,
    baseUrl,
    explicitLanguage: isLanguage(req.query.lang),
  };
}

/** Sends a page with the headers every page has (its language, its CSP, how it may be cached). */
function sendPage(res: Response, ctx: PageContext, status: number, html: string | Buffer) {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Language', ctx.t.locale);
  res.setHeader('Content-Security-Policy', pageCsp(ctx.settings));
  res.setHeader('Cache-Control', status === 200 ? PAGE_CACHE_CONTROL : 'no-cache');
  res.vary('Accept-Language');
  res.send(html);
}

const page =
  (handler: (req: Request, res: Response) => Promise<void>) =>
  (req: Request, res: Response, next: express.NextFunction) => {
    handler(req, res).catch(next);
  };

export interface Pages {
  /** The pages themselves. */
  router: Router;
  /** The HTML 404 page, for any other address a browser asks for (mounted after every route). */
  notFound: express.RequestHandler;
}

/** The public HTML pages: `/`, `/events/{id}`, `/history`, `/services/{slug}`, and their 404 page. */
export function createPages(options: PagesOptions): Pages {
  const { core, baseUrl } = options;
  const now = options.now ?? (() => new Date());
  const router = express.Router();
  const rows = createRowMemo();
  const contextOf = (req: Request, query?: Record<string, string>) => pageContext(core, req, baseUrl, query);

  const notFound = async (req: Request, res: Response) => {
    const ctx = await contextOf(req);
    sendPage(res, ctx, 404, renderErrorPage(ctx, 'notFound'));
  };

  router.get(
    '/',
    page(async (req, res) => {
      const ctx = await contextOf(req);
      const { from, to } = lastNinetyDays(ctx.timeZone, now());
      // Four independent reads at once; the updates and the day's event titles follow their own read.
      const [services, groups, { openEvents, latestUpdates }, { uptime, eventTitles }] = await Promise.all([
        core.services.list({ include_archived: false }),
        core.groups.list({ include_archived: false }),
        core.events.publicStatus().then(async (openEvents) => ({
          openEvents,
          latestUpdates: await core.events.latestUpdates(openEvents.map((event) => event.id)),
        })),
        core.uptime.days({ from, to, timeZone: ctx.timeZone }).then(async (uptime) => ({
          uptime,
          eventTitles: await titlesOf(core, uptime),
        })),
      ]);
      sendPage(
        res,
        ctx,
        200,
        renderStatusPage(ctx, {
          services,
          groups,
          openEvents,
          latestUpdates,
          uptime: new Map(uptime.map((entry) => [entry.serviceId, entry])),
          days: { from, to },
          eventTitles,
          rows,
        }),
      );
    }),
  );

  router.get(
    '/events/:id',
    page(async (req, res) => {
      const id = req.params.id;
      if (!Uuid.safeParse(id).success) return notFound(req, res);
      const event = await core.events.get(id as string).catch(orNotFound);
      if (!event) return notFound(req, res);
      const ctx = await contextOf(req);
      const [services, groups] = await Promise.all([
        event.service_ids.length > 0 ? core.services.list({ include_archived: true }) : [],
        event.group_ids.length > 0 ? core.groups.list({ include_archived: true }) : ([] as Group[]),
      ]);
      const serviceIds = new Set(event.service_ids);
      const groupIds = new Set(event.group_ids);
      sendPage(
        res,
        ctx,
        200,
        renderEventPage(ctx, {
          event,
          services: services.filter((service) => serviceIds.has(service.id)),
          groups: groups.filter((group) => groupIds.has(group.id)),
        }),
      );
    }),
  );

  router.get(
    '/history',
    page(async (req, res) => {
      const pageNo = pageNumber(req.query.page);
      if (pageNo === undefined) {
        const ctx = await contextOf(req);
        sendPage(res, ctx, 400, renderErrorPage(ctx, 'badRequest'));
        return;
      }
      const ctx = await contextOf(req, pageNo > 1 ? { page: String(pageNo) } : {});
      const [{ events, total }, services] = await Promise.all([
        core.events.historyPage({ limit: HISTORY_PAGE_SIZE, offset: (pageNo - 1) * HISTORY_PAGE_SIZE }),
        core.services.list({ include_archived: true }),
      ]);
      const pages = Math.max(1, Math.ceil(total / HISTORY_PAGE_SIZE));
      if (pageNo > pages) return notFound(req, res);
      sendPage(
        res,
        ctx,
        200,
        renderHistoryPage(ctx, {
          events,
          serviceNames: new Map(services.map((service) => [service.id, service.name])),
          page: pageNo,
          pages,
        }),
      );
    }),
  );

  router.get(
    '/services/:slug',
    page(async (req, res) => {
      const slug = req.params.slug as string;
      const service = slug.length <= 255 ? await core.services.get(slug).catch(orNotFound) : undefined;
      if (!service || service.archived_at) return notFound(req, res);
      const ctx = await contextOf(req);
      const { from, to } = lastNinetyDays(ctx.timeZone, now());
      const [uptime, months, recent] = await Promise.all([
        core.uptime.days({ from, to, timeZone: ctx.timeZone, serviceIds: [service.id] }),
        core.uptime.months({ serviceId: service.id, months: 12, timeZone: ctx.timeZone }),
        core.events.forService(slug, { limit: 10, offset: 0 }),
      ]);
      sendPage(
        res,
        ctx,
        200,
        renderServicePage(ctx, {
          service,
          uptime: uptime[0],
          days: { from, to },
          months,
          recentEvents: recent.events,
          eventTitles: await titlesOf(core, uptime),
        }),
      );
    }),
  );

  return { router, notFound: page(notFound) };
}

/** A not-found domain error becomes undefined; anything else is rethrown. */
function orNotFound(error: unknown): undefined {
  if (error instanceof DomainError && error.kind === 'not_found') return undefined;
  throw error;
}

/** Titles of the events the uptime days name. */
async function titlesOf(core: Core, uptime: readonly { eventIds: readonly string[] }[]) {
  const ids = new Set<string>();
  for (const entry of uptime) for (const id of entry.eventIds) ids.add(id);
  const events = await core.events.byIds([...ids]);
  return new Map(events.map((event) => [event.id, event.title]));
}

/** Whether a request for an unknown address would rather read an HTML page than JSON (a browser). */
export function wantsHtml(req: Request) {
  return req.accepts(['json', 'html']) === 'html' && !req.path.startsWith('/api/') && !req.path.startsWith('/trpc');
}
