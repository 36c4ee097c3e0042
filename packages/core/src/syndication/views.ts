import type {
  EventStatus,
  EventUpdate,
  Group,
  Service,
  StatusLogEntry,
  StatuspageComponent,
  StatuspageIncident,
  StatuspagePage,
  StatuspageScheduledMaintenance,
} from '@statuspage/contracts';
import type { CancelledMaintenance, EventTimeline } from '../events';
import { componentStatusOf, eventStatusWords, firstListedGroup, impactOf, monitoringAt, worstOf } from './rules';

// Our services, groups and events in the shapes machines read: Statuspage API v2 objects, and
// format-neutral models of feed entries and calendar events (the api serialises them). Pure.

/** Where the public page shows an event. */
export const eventUrl = (baseUrl: string, id: string) => `${baseUrl}/events/${id}`;

/** The components of the page, in display order, and every service (archived too) by id. */
export interface Components {
  list: StatuspageComponent[];
  byId: Map<string, StatuspageComponent>;
}

function serviceComponent(service: Service, groupId: string | null, position: number, pageId: string) {
  return {
    id: service.id,
    name: service.name,
    status: componentStatusOf[service.effective_status],
    created_at: service.created_at,
    updated_at: service.updated_at,
    position,
    description: service.description === '' ? null : service.description,
    showcase: true,
    start_date: service.created_at.slice(0, 10),
    group_id: groupId,
    page_id: pageId,
    group: false,
    only_show_if_degraded: false,
  } satisfies StatuspageComponent;
}

/**
 * Groups become components with `group: true` and their children's ids; a
 * service in several groups is listed once, under its first group (the
 * groups' display order). Each group is followed by its children; services in
 * no group come last. A group's status is its worst child's.
 */
export function componentsOf(services: readonly Service[], groups: readonly Group[], pageId: string): Components {
  const listedGroups = new Set(groups.map((group) => group.id));
  const listed = services.filter((service) => service.archived_at === null);
  const groupOf = new Map(listed.map((service) => [service.id, firstListedGroup(service.group_ids, listedGroups)]));
  const list: StatuspageComponent[] = [];
  for (const group of groups) {
    const children = listed.filter((service) => groupOf.get(service.id) === group.id);
    list.push({
      id: group.id,
      name: group.name,
      status: componentStatusOf[worstOf(children.map((child) => child.effective_status))],
      created_at: group.created_at,
      updated_at: group.updated_at,
      position: list.length + 1,
      description: group.description === '' ? null : group.description,
      showcase: false,
      start_date: group.created_at.slice(0, 10),
      group_id: null,
      page_id: pageId,
      group: true,
      only_show_if_degraded: false,
      components: children.map((child) => child.id),
    });
    for (const child of children) list.push(serviceComponent(child, group.id, list.length + 1, pageId));
  }
  for (const service of listed) {
    if (groupOf.get(service.id) === null) list.push(serviceComponent(service, null, list.length + 1, pageId));
  }
  const byId = new Map(list.filter((component) => !component.group).map((component) => [component.id, component]));
  // Past events name archived services: they are shown as they are, outside the list.
  for (const service of services) {
    if (!byId.has(service.id)) {
      byId.set(service.id, serviceComponent(service, firstListedGroup(service.group_ids, listedGroups), 0, pageId));
    }
  }
  return { list, byId };
}

/** What every incident view needs besides the event. */
export interface IncidentContext {
  page: StatuspagePage;
  baseUrl: string;
  components: Components;
  /** Status-log entries of the events, oldest first. */
  changes: readonly StatusLogEntry[];
}

const incidentStatusOf: Record<EventStatus, StatuspageIncident['status']> = {
  investigating: 'investigating',
  identified: 'identified',
  monitoring: 'monitoring',
  resolved: 'resolved',
  // Not incident statuses; listed so the table is total.
  scheduled: 'investigating',
  in_progress: 'identified',
  completed: 'resolved',
};

const maintenanceStatusOf: Record<EventStatus, StatuspageScheduledMaintenance['status']> = {
  scheduled: 'scheduled',
  in_progress: 'in_progress',
  completed: 'completed',
  // Not maintenance statuses; listed so the table is total.
  investigating: 'in_progress',
  identified: 'in_progress',
  monitoring: 'verifying',
  resolved: 'completed',
};

/** The fields an incident and a maintenance share. */
function commonFields({ event, updates }: EventTimeline, context: IncidentContext) {
  const { page, components } = context;
  const changes = context.changes.filter((change) => change.event_id === event.id);
  const updateViews = updates.map((update: EventUpdate) => {
    const affected = changes
      .filter((change) => change.created_at === update.created_at)
      .map((change) => ({
        code: change.service_id,
        name: components.byId.get(change.service_id)?.name ?? '',
        old_status: componentStatusOf[change.old_status ?? change.new_status],
        new_status: componentStatusOf[change.new_status],
      }));
    return {
      id: update.id,
      status: update.status,
      body: update.message,
      incident_id: event.id,
      created_at: update.created_at,
      updated_at: update.created_at,
      display_at: update.created_at,
      affected_components: affected.length > 0 ? affected : null,
      deliver_notifications: update.notify_subscribers,
      custom_tweet: null,
      tweet_id: null,
    };
  });
  return {
    id: event.id,
    name: event.title,
    created_at: event.created_at,
    updated_at: event.updated_at,
    monitoring_at: monitoringAt(updates),
    resolved_at: event.status === 'resolved' || event.status === 'completed' ? event.resolved_at : null,
    shortlink: eventUrl(context.baseUrl, event.id),
    started_at: event.started_at ?? event.scheduled_start_at ?? event.created_at,
    page_id: page.id,
    components: event.service_ids.flatMap((id) => {
      const component = components.byId.get(id);
      return component ? [component] : [];
    }),
    updates: updateViews,
  };
}

/** An incident in the Statuspage shape. */
export function incidentOf(timeline: EventTimeline, context: IncidentContext): StatuspageIncident {
  const { updates, ...fields } = commonFields(timeline, context);
  return {
    ...fields,
    status: incidentStatusOf[timeline.event.status],
    impact: impactOf(timeline.event.severity),
    incident_updates: updates.map((update) => ({ ...update, status: incidentStatusOf[update.status] })),
  };
}

/** A maintenance in the Statuspage shape. */
export function maintenanceOf(timeline: EventTimeline, context: IncidentContext): StatuspageScheduledMaintenance {
  const { updates, ...fields } = commonFields(timeline, context);
  return {
    ...fields,
    status: maintenanceStatusOf[timeline.event.status],
    impact: 'maintenance',
    incident_updates: updates.map((update) => ({ ...update, status: maintenanceStatusOf[update.status] })),
    scheduled_for: timeline.event.scheduled_start_at,
    scheduled_until: timeline.event.scheduled_end_at,
  };
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text as HTML: escaped, line breaks kept. */
export const textToHtml = (text: string) =>
  text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character).replace(/\r?\n/g, '<br>');

const formats = new Map<string, { format: Intl.DateTimeFormat; zone: string }>();

/** The formatter of a time zone (building one costs more than using it ~100 times), UTC for an unknown zone. */
function formatOf(timeZone: string) {
  let known = formats.get(timeZone);
  if (!known) {
    const options: Intl.DateTimeFormatOptions = { dateStyle: 'medium', timeStyle: 'short' };
    try {
      known = { format: new Intl.DateTimeFormat('en-GB', { ...options, timeZone }), zone: timeZone };
    } catch {
      known = { format: new Intl.DateTimeFormat('en-GB', { ...options, timeZone: 'UTC' }), zone: 'UTC' };
    }
    // Time zones are few (IANA names); the bound only guards against a flood of odd ones.
    if (formats.size < 512) formats.set(timeZone, known);
  }
  return known;
}

/** A time as the page shows it, in its time zone (UTC if the zone is unknown). */
export function formatTime(iso: string, timeZone: string): string {
  const { format, zone } = formatOf(timeZone);
  return `${format.format(new Date(iso))} (${zone})`;
}

/** One entry of a feed: an incident or a maintenance. */
export interface FeedEntry {
  /** `urn:uuid:<event id>`: the same for the whole life of the event. */
  id: string;
  title: string;
  link: string;
  /** When it was made known: opened, or started if entered afterwards. */
  published: Date;
  /** The event's last change (an update moves it, never the id). */
  updated: Date;
  /** The latest update in one line of text. */
  summary: string;
  /** The timeline, newest first, as HTML. */
  contentHtml: string;
}

/** A feed of the page or of one service. */
export interface FeedModel {
  /** The feed's id (its HTML page). */
  id: string;
  title: string;
  description: string;
  /** The HTML page it follows. */
  link: string;
  updated: Date;
  author: { name: string; link: string };
  entries: FeedEntry[];
}

/** An event as a feed entry; `serviceNames` names the affected services (archived ones too). */
export function feedEntryOf(
  { event, updates }: EventTimeline,
  context: { baseUrl: string; timeZone: string; serviceNames: ReadonlyMap<string, string> },
): FeedEntry {
  const latest = updates[0];
  const parts: string[] = [];
  const affected = event.service_ids.flatMap((id) => {
    const name = context.serviceNames.get(id);
    return name ? [name] : [];
  });
  if (event.type === 'maintenance' && event.scheduled_start_at) {
    const until = event.scheduled_end_at ? ` – ${formatTime(event.scheduled_end_at, context.timeZone)}` : '';
    parts.push(`<p>Scheduled: ${textToHtml(formatTime(event.scheduled_start_at, context.timeZone) + until)}</p>`);
  }
  if (affected.length > 0) parts.push(`<p>Affected: ${textToHtml(affected.join(', '))}</p>`);
  // The opening entry of the timeline usually repeats the description: said once.
  const opening = updates[updates.length - 1];
  if (event.description && event.description !== opening?.message)
    parts.push(`<p>${textToHtml(event.description)}</p>`);
  for (const update of updates) {
    parts.push(
      `<p><strong>${eventStatusWords[update.status]}</strong> — <time datetime="${update.created_at}">${textToHtml(formatTime(update.created_at, context.timeZone))}</time><br>${textToHtml(update.message)}</p>`,
    );
  }
  return {
    id: `urn:uuid:${event.id}`,
    title: event.title,
    link: eventUrl(context.baseUrl, event.id),
    // When it was made known (its start when entered afterwards): never in the future.
    published: new Date(Math.min(Date.parse(event.created_at), Date.parse(event.started_at ?? event.created_at))),
    updated: new Date(event.updated_at),
    summary: latest ? `${eventStatusWords[latest.status]}: ${latest.message}` : eventStatusWords[event.status],
    contentHtml: parts.join('\n'),
  };
}

/** One VEVENT: a maintenance window. */
export interface CalendarEvent {
  /** The event's id: the same for its whole life, and after its cancellation. */
  uid: string;
  start: Date;
  end: Date | null;
  summary: string;
  description: string;
  url: string;
  /** Times its window moved (plus one for a cancellation). */
  sequence: number;
  status: 'CONFIRMED' | 'CANCELLED';
  created: Date;
  lastModified: Date;
}

/** A calendar of the page's maintenance, or of one service's. */
export interface CalendarModel {
  name: string;
  description: string;
  url: string;
  timeZone: string;
  events: CalendarEvent[];
}

/** A window that ends before it starts has no end (a calendar would refuse it). */
const endAfter = (start: Date, end: string | Date | null) => {
  if (end === null) return null;
  const date = new Date(end);
  return date > start ? date : null;
};

/** An open maintenance as a calendar event: the scheduled window (else when it started). */
export function calendarEventOf(
  { event, updates, rescheduleCount }: EventTimeline,
  context: { baseUrl: string; timeZone: string },
): CalendarEvent {
  const start = new Date(event.scheduled_start_at ?? event.started_at ?? event.created_at);
  const latest = updates[0];
  const description = [
    event.description,
    latest && latest.message !== event.description
      ? `${eventStatusWords[latest.status]} (${formatTime(latest.created_at, context.timeZone)}): ${latest.message}`
      : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    uid: event.id,
    start,
    end: endAfter(start, event.scheduled_end_at),
    summary: event.title,
    description,
    url: eventUrl(context.baseUrl, event.id),
    sequence: rescheduleCount,
    status: 'CONFIRMED',
    created: new Date(event.created_at),
    lastModified: new Date(event.updated_at),
  };
}

/** A cancelled maintenance as a calendar event, so subscribed calendars drop it. */
export function cancelledCalendarEventOf(cancelled: CancelledMaintenance, baseUrl: string): CalendarEvent {
  const start = cancelled.scheduledStartAt ?? cancelled.createdAt;
  return {
    uid: cancelled.eventId,
    start,
    end: endAfter(start, cancelled.scheduledEndAt),
    summary: cancelled.title,
    description: ['Cancelled.', cancelled.description].filter(Boolean).join('\n\n'),
    // Its own page is gone with it: the page's front.
    url: baseUrl,
    sequence: cancelled.sequence,
    status: 'CANCELLED',
    created: cancelled.createdAt,
    lastModified: cancelled.cancelledAt,
  };
}

/** A badge: shields.io's label, message and colour. */
export interface BadgeModel {
  label: string;
  message: string;
  color: string;
}

/** The worst effective status of the services that are listed. */
export const worstListed = (services: readonly Service[]) =>
  worstOf(services.filter((service) => service.archived_at === null).map((service) => service.effective_status));
