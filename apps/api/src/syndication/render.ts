/**
 * The machine-readable models of core written out in their formats, each by
 * the well-kept library of its format: Atom 1.0 and RSS 2.0 by `feed`,
 * iCalendar (RFC 5545: CRLF, folded lines, UTC times) by `ical-generator`,
 * badges by shields.io's own `badge-maker`.
 */
import type { BadgeModel, CalendarModel, FeedModel } from '@statuspage/core';
import { makeBadge } from 'badge-maker';
import { Feed } from 'feed';
import ical, { ICalCalendarMethod, ICalEventStatus } from 'ical-generator';

/** Where a feed lives (its self links), from the public base URL. */
export interface FeedLinks {
  atom: string;
  rss: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (character) => HTML_ESCAPES[character] ?? character);

/**
 * `feed` marks Atom titles and summaries `type="html"` and RSS descriptions are HTML: plain text
 * goes in escaped. RSS titles are plain text to most readers: as they are. No per-entry author:
 * RSS wants an e-mail address there, and Atom entries inherit the feed's.
 */
function feedOf(model: FeedModel, links: FeedLinks, format: 'atom' | 'rss') {
  const feed = new Feed({
    id: model.id,
    title: format === 'atom' ? escapeHtml(model.title) : model.title,
    description: model.description,
    link: model.link,
    updated: model.updated,
    generator: 'StatusPage',
    feedLinks: { atom: links.atom, rss: links.rss },
    author: model.author,
  });
  for (const entry of model.entries) {
    feed.addItem({
      id: entry.id,
      guid: entry.id,
      title: format === 'atom' ? escapeHtml(entry.title) : entry.title,
      link: entry.link,
      date: entry.updated,
      published: entry.published,
      description: escapeHtml(entry.summary),
      content: entry.contentHtml,
    });
  }
  return feed;
}

/** An Atom 1.0 document. */
export const renderAtom = (model: FeedModel, links: FeedLinks) => feedOf(model, links, 'atom').atom1();

/** An RSS 2.0 document. */
export const renderRss = (model: FeedModel, links: FeedLinks) => feedOf(model, links, 'rss').rss2();

/** An iCalendar document with one VEVENT per maintenance (cancelled ones as STATUS:CANCELLED). */
export function renderCalendar(model: CalendarModel): string {
  const calendar = ical({
    name: model.name,
    description: model.description,
    url: model.url,
    prodId: { company: 'StatusPage', product: 'Maintenance', language: 'EN' },
    method: ICalCalendarMethod.PUBLISH,
    // Calendar apps poll a subscription; an hour is what most of them default to anyway.
    ttl: 3600,
  });
  for (const event of model.events) {
    calendar.createEvent({
      id: event.uid,
      start: event.start,
      end: event.end,
      summary: event.summary,
      description: event.description,
      url: event.url,
      sequence: event.sequence,
      status: event.status === 'CANCELLED' ? ICalEventStatus.CANCELLED : ICalEventStatus.CONFIRMED,
      created: event.created,
      lastModified: event.lastModified,
      stamp: event.lastModified,
    });
  }
  return calendar.toString();
}

export type BadgeStyle = 'flat' | 'flat-square' | 'for-the-badge';

/** A shields-style SVG badge (with a `<title>` of label and message). */
export function renderBadge(model: BadgeModel, style: BadgeStyle): string {
  return makeBadge({ label: model.label, message: model.message, color: model.color, style });
}
