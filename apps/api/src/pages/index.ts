import { createHash } from 'node:crypto';
import { CreateSubscriberInput, type Group, SubscriberToken, Uuid } from '@statuspage/contracts';
import { type Core, DomainError, type PublicReads } from '@statuspage/core';
import express, { type Request, type Response, type Router } from 'express';
import { auditedForm } from '../http/audit';
import { publicReadsOf } from '../http/public-cache/replica';
import { type AuthRateLimiter, RateLimited } from '../http/rate-limit';
import { type PageContext, pageHref } from './context';
import { pageCsp } from './csp';
import { renderErrorPage } from './error-page';
import { renderEventPage } from './event-page';
import { renderHistoryPage } from './history-page';
import { catalogues, chooseLanguage, formatsFor, isLanguage, knownTimeZone } from './i18n';
import { PAGE_CACHE_CONTROL } from './routes';
import { lastNinetyDays, pageNumber } from './rules';
import { renderServicePage } from './service-page';
import { createRowMemo, renderStatusPage } from './status-page';
import {
  type ChoiceCatalog,
  renderConfirmedPage,
  renderConfirmPage,
  renderManagePage,
  renderMessagePage,
  renderSubscribePage,
} from './subscribe-pages';

export { PAGE_CACHE_CONTROL, pageRoutes, pageVariant } from './routes';
export { feedLinks, subscribeLink } from './slots';

/** Closed events per page of `/history`. */
export const HISTORY_PAGE_SIZE = 20;

export interface PagesOptions {
  core: Core;
  /** The public base URL (NOTIFICATIONS_BASE_URL). */
  baseUrl: string;
  now?: () => Date;
  /** The limits of the subscribe form and of the links from e-mails (the same as their API operations'). */
  rateLimiter?: AuthRateLimiter;
}

/** The context of one page: the settings, the language the visitor gets, its formatters. */
async function pageContext(
  reads: PublicReads,
  req: Request,
  baseUrl: string,
  query: Record<string, string> = {},
): Promise<PageContext> {
  const settings = await reads.page.get();
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

/**
 * Sends a page that depends on a token or a visitor's input: never cached
 * (not by the public cache, which lists only the public pages, nor by
 * browsers or proxies), and its address (with the token) is not sent on as
 * a referrer.
 */
function sendPrivatePage(res: Response, ctx: PageContext, status: number, html: string) {
  res.status(status);
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Language', ctx.t.locale);
  res.setHeader('Content-Security-Policy', pageCsp(ctx.settings));
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.send(html);
}

/** A form field that may be given once or repeated, as a list. */
const listOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((item) => typeof item === 'string') : typeof value === 'string' ? [value] : [];
const fieldOf = (body: unknown, name: string): string => {
  const value = body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined;
  return typeof value === 'string' ? value : '';
};
const listField = (body: unknown, name: string) =>
  listOf(body && typeof body === 'object' ? (body as Record<string, unknown>)[name] : undefined);

/** The choice a subscriber form posts: every service, or the ticked services and groups. */
function choiceOf(body: unknown) {
  const all = fieldOf(body, 'scope') !== 'chosen';
  return {
    subscribe_to_all_services: all,
    service_ids: all ? [] : listField(body, 'service_ids'),
    group_ids: all ? [] : listField(body, 'group_ids'),
  };
}

const formBody = express.urlencoded({ extended: false, limit: '32kb', parameterLimit: 2000 });

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
  // The public pages read where the public cache routed their refill (the read replica or the primary).
  const contextOf = (req: Request, query?: Record<string, string>) =>
    pageContext(publicReadsOf(core, req), req, baseUrl, query);

  const notFound = async (req: Request, res: Response) => {
    const ctx = await contextOf(req);
    sendPage(res, ctx, 404, renderErrorPage(ctx, 'notFound'));
  };

  router.get(
    '/',
    page(async (req, res) => {
      const reads = publicReadsOf(core, req);
      const ctx = await contextOf(req);
      const { from, to } = lastNinetyDays(ctx.timeZone, now());
      // Four independent reads at once; the updates and the day's event titles follow their own read.
      const [services, groups, { openEvents, latestUpdates }, { uptime, eventTitles }] = await Promise.all([
        reads.services.list({ include_archived: false }),
        reads.groups.list({ include_archived: false }),
        reads.events.publicStatus().then(async (openEvents) => ({
          openEvents,
          latestUpdates: await reads.events.latestUpdates(openEvents.map((event) => event.id)),
        })),
        reads.uptime.days({ from, to, timeZone: ctx.timeZone }).then(async (uptime) => ({
          uptime,
          eventTitles: await titlesOf(reads, uptime),
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
      const reads = publicReadsOf(core, req);
      const id = req.params.id;
      if (!Uuid.safeParse(id).success) return notFound(req, res);
      const event = await reads.events.get(id as string).catch(orNotFound);
      if (!event) return notFound(req, res);
      const ctx = await contextOf(req);
      const [services, groups] = await Promise.all([
        event.service_ids.length > 0 ? reads.services.list({ include_archived: true }) : [],
        event.group_ids.length > 0 ? reads.groups.list({ include_archived: true }) : ([] as Group[]),
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
      const reads = publicReadsOf(core, req);
      const pageNo = pageNumber(req.query.page);
      if (pageNo === undefined) {
        const ctx = await contextOf(req);
        sendPage(res, ctx, 400, renderErrorPage(ctx, 'badRequest'));
        return;
      }
      const ctx = await contextOf(req, pageNo > 1 ? { page: String(pageNo) } : {});
      const [{ events, total }, services] = await Promise.all([
        reads.events.historyPage({ limit: HISTORY_PAGE_SIZE, offset: (pageNo - 1) * HISTORY_PAGE_SIZE }),
        reads.services.list({ include_archived: true }),
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
      const reads = publicReadsOf(core, req);
      const slug = req.params.slug as string;
      const service = slug.length <= 255 ? await reads.services.get(slug).catch(orNotFound) : undefined;
      if (!service || service.archived_at) return notFound(req, res);
      const ctx = await contextOf(req);
      const { from, to } = lastNinetyDays(ctx.timeZone, now());
      const [uptime, months, recent] = await Promise.all([
        reads.uptime.days({ from, to, timeZone: ctx.timeZone, serviceIds: [service.id] }),
        reads.uptime.months({ serviceId: service.id, months: 12, timeZone: ctx.timeZone }),
        reads.events.forService(slug, { limit: 10, offset: 0 }),
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
          eventTitles: await titlesOf(reads, uptime),
        }),
      );
    }),
  );

  // ---- account-less subscribers (subscribe-pages.tsx)

  const catalogOf = async (): Promise<ChoiceCatalog> => {
    const [services, groups] = await Promise.all([
      core.services.list({ include_archived: false }),
      core.groups.list({ include_archived: false }),
    ]);
    return { services, groups };
  };
  /** Counts one attempt against the limits; false (and a 429 page sent) when over them. */
  const withinLimit = async (
    req: Request,
    res: Response,
    ctx: PageContext,
    action: 'subscribe' | 'subscriber_link',
    account: string,
  ) => {
    if (!options.rateLimiter) return true;
    try {
      await options.rateLimiter.consume(action, req.ip ?? 'unknown', account);
      return true;
    } catch (error) {
      if (!(error instanceof RateLimited)) throw error;
      res.setHeader('Retry-After', String(error.retryAfterSeconds));
      sendPrivatePage(res, ctx, 429, renderMessagePage(ctx, ctx.t.tooManyTitle, ctx.t.tooManyText));
      return false;
    }
  };
  const tokenHash = (token: string) => createHash('sha256').update(token).digest('hex');
  const linkInvalid = (res: Response, ctx: PageContext) =>
    sendPrivatePage(res, ctx, 404, renderMessagePage(ctx, ctx.t.linkInvalidTitle, ctx.t.linkInvalidText));
  const isDomain = (error: unknown, kind: string) => error instanceof DomainError && error.kind === kind;

  router.get(
    '/subscribe',
    page(async (req, res) => {
      const ctx = await contextOf(req);
      sendPrivatePage(res, ctx, 200, renderSubscribePage(ctx, await catalogOf()));
    }),
  );

  router.post(
    '/subscribe',
    formBody,
    auditedForm,
    page(async (req, res) => {
      const ctx = await contextOf(req);
      const email = fieldOf(req.body, 'email');
      const choice = choiceOf(req.body);
      const destinationType = fieldOf(req.body, 'destination_type') || 'email';
      const destinationUrl = fieldOf(req.body, 'destination_url').slice(0, 2048);
      const again = async (status: number, error: string) =>
        sendPrivatePage(
          res,
          ctx,
          status,
          renderSubscribePage(ctx, await catalogOf(), {
            email: email.slice(0, 254),
            error,
            all: choice.subscribe_to_all_services,
            serviceIds: choice.service_ids,
            groupIds: choice.group_ids,
            destinationType,
            destinationUrl,
          }),
        );
      if (!(await withinLimit(req, res, ctx, 'subscribe', email.trim().toLowerCase()))) return;
      const withDestination = destinationType !== 'email';
      const input = CreateSubscriberInput.safeParse({
        email,
        ...(withDestination ? { destination: { type: destinationType, url: destinationUrl } } : {}),
        ...choice,
        ...(fieldOf(req.body, 'website') ? { website: fieldOf(req.body, 'website').slice(0, 2048) } : {}),
      });
      const destinationRefused = (issues: readonly { path: readonly PropertyKey[] }[]) =>
        issues.some((issue) => issue.path[0] === 'destination');
      if (!input.success) {
        return again(400, destinationRefused(input.error.issues) ? ctx.t.destinationInvalid : ctx.t.subscribeInvalid);
      }
      try {
        await core.subscribers.subscribe(input.data, req.ip ?? 'unknown');
      } catch (error) {
        if (isDomain(error, 'invalid')) {
          const fields = error instanceof DomainError ? (error.fields ?? []) : [];
          const aboutDestination = fields.some((field) => field.field.startsWith('destination'));
          return again(400, aboutDestination ? ctx.t.destinationInvalid : ctx.t.subscribeInvalid);
        }
        if (isDomain(error, 'rate_limited')) {
          sendPrivatePage(res, ctx, 429, renderMessagePage(ctx, ctx.t.tooManyTitle, ctx.t.tooManyText));
          return;
        }
        throw error;
      }
      sendPrivatePage(res, ctx, 200, renderMessagePage(ctx, ctx.t.subscribeDoneTitle, ctx.t.subscribeDoneText));
    }),
  );

  // A GET only shows the button: mail scanners fetch links, and confirming must take a person's click.
  router.get(
    '/subscribers/confirm',
    page(async (req, res) => {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      const ctx = await contextOf(req, { token });
      if (!SubscriberToken.safeParse(token).success) return linkInvalid(res, ctx);
      sendPrivatePage(res, ctx, 200, renderConfirmPage(ctx, token));
    }),
  );

  router.post(
    '/subscribers/confirm',
    formBody,
    auditedForm,
    page(async (req, res) => {
      const ctx = await contextOf(req);
      const token = fieldOf(req.body, 'token');
      if (!SubscriberToken.safeParse(token).success) return linkInvalid(res, ctx);
      if (!(await withinLimit(req, res, ctx, 'subscriber_link', tokenHash(token)))) return;
      let unverified = false;
      const confirmed = await core.subscribers.confirm(token).catch((error: unknown) => {
        if (isDomain(error, 'not_found')) return undefined;
        if (isDomain(error, 'unprocessable')) {
          unverified = true;
          return undefined;
        }
        throw error;
      });
      if (unverified) {
        const text = ctx.t.destinationUnverifiedText;
        return sendPrivatePage(res, ctx, 422, renderMessagePage(ctx, ctx.t.destinationUnverifiedTitle, text));
      }
      if (!confirmed) return linkInvalid(res, ctx);
      const manageHref = pageHref(ctx, '/subscribers/manage', { token: confirmed.manage_token });
      sendPrivatePage(res, ctx, 200, renderConfirmedPage(ctx, manageHref, confirmed.signing_secret));
    }),
  );

  router.get(
    '/subscribers/manage',
    page(async (req, res) => {
      const token = typeof req.query.token === 'string' ? req.query.token : '';
      const ctx = await contextOf(req, { token });
      if (!SubscriberToken.safeParse(token).success) return linkInvalid(res, ctx);
      if (!(await withinLimit(req, res, ctx, 'subscriber_link', tokenHash(token)))) return;
      const subscription = await core.subscribers.get(token).catch((error: unknown) => {
        if (isDomain(error, 'not_found')) return undefined;
        throw error;
      });
      if (!subscription) return linkInvalid(res, ctx);
      sendPrivatePage(res, ctx, 200, renderManagePage(ctx, await catalogOf(), token, subscription));
    }),
  );

  router.post(
    '/subscribers/manage',
    formBody,
    auditedForm,
    page(async (req, res) => {
      const token = fieldOf(req.body, 'token');
      const ctx = await contextOf(req, { token });
      if (!SubscriberToken.safeParse(token).success) return linkInvalid(res, ctx);
      if (!(await withinLimit(req, res, ctx, 'subscriber_link', tokenHash(token)))) return;
      try {
        if (fieldOf(req.body, 'action') === 'unsubscribe') {
          await core.subscribers.unsubscribe(token);
          sendPrivatePage(res, ctx, 200, renderMessagePage(ctx, ctx.t.unsubscribedTitle, ctx.t.unsubscribedText));
          return;
        }
        const choice = choiceOf(req.body);
        const valid =
          listOf(choice.service_ids).every((id) => Uuid.safeParse(id).success) &&
          listOf(choice.group_ids).every((id) => Uuid.safeParse(id).success);
        const subscription = valid
          ? await core.subscribers.update(token, choice).catch((error: unknown) => {
              if (isDomain(error, 'invalid')) return undefined;
              throw error;
            })
          : undefined;
        if (!subscription) {
          const current = await core.subscribers.get(token);
          sendPrivatePage(
            res,
            ctx,
            400,
            renderManagePage(ctx, await catalogOf(), token, current, ctx.t.subscribeInvalid),
          );
          return;
        }
        sendPrivatePage(res, ctx, 200, renderManagePage(ctx, await catalogOf(), token, subscription, ctx.t.savedText));
      } catch (error) {
        if (isDomain(error, 'not_found')) return linkInvalid(res, ctx);
        throw error;
      }
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
async function titlesOf(reads: PublicReads, uptime: readonly { eventIds: readonly string[] }[]) {
  const ids = new Set<string>();
  for (const entry of uptime) for (const id of entry.eventIds) ids.add(id);
  const events = await reads.events.byIds([...ids]);
  return new Map(events.map((event) => [event.id, event.title]));
}

/** Whether a request for an unknown address would rather read an HTML page than JSON (a browser). */
export function wantsHtml(req: Request) {
  return req.accepts(['json', 'html']) === 'html' && !req.path.startsWith('/api/') && !req.path.startsWith('/trpc');
}
