/**
 * The page for machines in the OpenAPI document: the Statuspage API v2 with
 * its wire schemas (tag `statuspage-compat`), the feeds, calendars and badges
 * (tag `syndication`), generated from the same zod schemas the use-cases answer with.
 */
import {
  BadgeQuery,
  ShieldsEndpointResponse,
  StatuspageComponentsResponse,
  StatuspageIncidentsResponse,
  StatuspageMaintenancesResponse,
  StatuspageStatusResponse,
  StatuspageSummaryResponse,
} from '@statuspage/contracts';
import { z } from 'zod';
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiPathsObject } from 'zod-openapi';

const errorBody = z.object({
  error: z.object({
    message: z.string(),
    details: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  }),
});
const jsonError = (description: string) => ({ description, content: { 'application/json': { schema: errorBody } } });
const textBody = (type: string, description: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});

const compat = (
  operationId: string,
  summary: string,
  schema: z.ZodType,
  description?: string,
): ZodOpenApiOperationObject => ({
  operationId,
  summary,
  ...(description ? { description } : {}),
  tags: ['statuspage-compat'],
  responses: { '200': { description: 'OK', content: { 'application/json': { schema } } } },
});

const slugParameter = { path: z.object({ slug: z.string().meta({ description: 'The slug of a service or group' }) }) };

const syndication = (
  operationId: string,
  summary: string,
  ok: ReturnType<typeof textBody> | { description: string; content: Record<string, { schema: z.ZodType }> },
  options: { slug?: boolean; badge?: boolean } = {},
): ZodOpenApiOperationObject => ({
  operationId,
  summary,
  tags: ['syndication'],
  ...(options.slug || options.badge
    ? {
        requestParams: {
          ...(options.slug ? slugParameter : {}),
          ...(options.badge ? { query: BadgeQuery } : {}),
        },
      }
    : {}),
  responses: {
    '200': ok,
    ...(options.badge ? { '400': jsonError('Invalid label or style') } : {}),
    ...(options.slug ? { '404': jsonError('No such service or group (or it is archived)') } : {}),
  },
});

const mapping =
  'Component status: operational → operational, degraded → degraded_performance, partial_outage → partial_outage, ' +
  'major_outage → major_outage, maintenance → under_maintenance (effective status). Indicator from the worst ' +
  'effective status: none "All Systems Operational", minor (degraded) "Minor Service Outage", major ' +
  '(partial_outage) "Partial System Outage", critical (major_outage) "Major Service Outage"; maintenance only: ' +
  'maintenance "Service Under Maintenance". Impact: the severity (none without one); maintenance: "maintenance".';

const paths: ZodOpenApiPathsObject = {
  '/api/v2/summary.json': {
    get: compat(
      'statuspageSummary',
      'Statuspage v2: page, components, unresolved incidents, upcoming and in-progress maintenance, status',
      StatuspageSummaryResponse,
      mapping,
    ),
  },
  '/api/v2/status.json': {
    get: compat('statuspageStatus', 'Statuspage v2: the page and its status indicator', StatuspageStatusResponse),
  },
  '/api/v2/components.json': {
    get: compat(
      'statuspageComponents',
      'Statuspage v2: services and groups (groups have group: true and their children ids)',
      StatuspageComponentsResponse,
    ),
  },
  '/api/v2/incidents.json': {
    get: compat('statuspageIncidents', 'Statuspage v2: the 50 most recent incidents', StatuspageIncidentsResponse),
  },
  '/api/v2/incidents/unresolved.json': {
    get: compat('statuspageUnresolvedIncidents', 'Statuspage v2: unresolved incidents', StatuspageIncidentsResponse),
  },
  '/api/v2/scheduled-maintenances.json': {
    get: compat(
      'statuspageScheduledMaintenances',
      'Statuspage v2: the 50 most recent maintenances',
      StatuspageMaintenancesResponse,
    ),
  },
  '/api/v2/scheduled-maintenances/upcoming.json': {
    get: compat(
      'statuspageUpcomingMaintenances',
      'Statuspage v2: maintenance still scheduled',
      StatuspageMaintenancesResponse,
    ),
  },
  '/api/v2/scheduled-maintenances/active.json': {
    get: compat(
      'statuspageActiveMaintenances',
      'Statuspage v2: maintenance in progress',
      StatuspageMaintenancesResponse,
    ),
  },
  '/history.atom': {
    get: syndication(
      'historyAtom',
      'Incidents and maintenance, the latest 50 (Atom)',
      textBody('application/atom+xml', 'Atom 1.0'),
    ),
  },
  '/history.rss': {
    get: syndication(
      'historyRss',
      'Incidents and maintenance, the latest 50 (RSS)',
      textBody('application/rss+xml', 'RSS 2.0'),
    ),
  },
  '/services/{slug}/history.atom': {
    get: syndication(
      'serviceHistoryAtom',
      "A service's incidents and maintenance (Atom)",
      textBody('application/atom+xml', 'Atom 1.0'),
      {
        slug: true,
      },
    ),
  },
  '/services/{slug}/history.rss': {
    get: syndication(
      'serviceHistoryRss',
      "A service's incidents and maintenance (RSS)",
      textBody('application/rss+xml', 'RSS 2.0'),
      {
        slug: true,
      },
    ),
  },
  '/maintenance.ics': {
    get: syndication(
      'maintenanceCalendar',
      'Scheduled and in-progress maintenance, and cancellations of the last 30 days (iCalendar)',
      textBody('text/calendar', 'RFC 5545 calendar'),
    ),
  },
  '/services/{slug}/maintenance.ics': {
    get: syndication(
      'serviceMaintenanceCalendar',
      "A service's maintenance (iCalendar)",
      textBody('text/calendar', 'RFC 5545 calendar'),
      {
        slug: true,
      },
    ),
  },
  '/badge.svg': {
    get: syndication('pageBadge', "The page's status badge (SVG)", textBody('image/svg+xml', 'SVG badge'), {
      badge: true,
    }),
  },
  '/services/{slug}/badge.svg': {
    get: syndication('serviceBadge', "A service's status badge (SVG)", textBody('image/svg+xml', 'SVG badge'), {
      slug: true,
      badge: true,
    }),
  },
  '/groups/{slug}/badge.svg': {
    get: syndication(
      'groupBadge',
      "A group's status badge (SVG): the worst of its services",
      textBody('image/svg+xml', 'SVG badge'),
      {
        slug: true,
        badge: true,
      },
    ),
  },
  '/badge.json': {
    get: syndication(
      'pageBadgeEndpoint',
      "The page's status as shields.io endpoint JSON",
      { description: 'shields.io endpoint', content: { 'application/json': { schema: ShieldsEndpointResponse } } },
      { badge: true },
    ),
  },
  '/services/{slug}/badge.json': {
    get: syndication(
      'serviceBadgeEndpoint',
      "A service's status as shields.io endpoint JSON",
      { description: 'shields.io endpoint', content: { 'application/json': { schema: ShieldsEndpointResponse } } },
      { slug: true, badge: true },
    ),
  },
};

/** The paths and component schemas of the page for machines, to merge into the generated document. */
export function syndicationDocument(): { paths: Record<string, unknown>; schemas: Record<string, unknown> } {
  const document = createDocument({ openapi: '3.1.0', info: { title: 'syndication', version: '1' }, paths });
  return {
    paths: (document.paths ?? {}) as Record<string, unknown>,
    schemas: (document.components?.schemas ?? {}) as Record<string, unknown>,
  };
}
