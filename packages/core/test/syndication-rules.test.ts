import type { Event, EventUpdate, Group, Service, ServiceStatus } from '@statuspage/contracts';
import { serviceStatuses } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import {
  componentStatusOf,
  firstListedGroup,
  impactOf,
  monitoringAt,
  pageStatusOf,
  worstOf,
} from '../src/syndication/rules';
import { calendarEventOf, componentsOf, feedEntryOf, textToHtml } from '../src/syndication/views';

const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

function service(id: string, overrides: Partial<Service> = {}): Service {
  return {
    id,
    name: `Service ${id}`,
    slug: id,
    description: '',
    status: 'operational',
    effective_status: 'operational',
    has_active_events: false,
    group_ids: [],
    order: 0,
    created_at: at(0),
    updated_at: at(1),
    archived_at: null,
    ...overrides,
  };
}

function group(id: string, serviceIds: string[]): Group {
  return {
    id,
    name: `Group ${id}`,
    slug: id,
    description: 'A group',
    service_ids: serviceIds,
    order: 0,
    created_at: at(0),
    updated_at: at(2),
    archived_at: null,
  };
}

function event(overrides: Partial<Event> = {}): Event {
  return {
    id: 'e1',
    title: 'Outage',
    type: 'incident',
    status: 'investigating',
    severity: 'major',
    description: '',
    started_at: at(10),
    resolved_at: null,
    scheduled_start_at: null,
    scheduled_end_at: null,
    notify_subscribers: false,
    template_id: null,
    created_by: null,
    service_ids: [],
    group_ids: [],
    created_at: at(10),
    updated_at: at(20),
    ...overrides,
  };
}

const update = (status: EventUpdate['status'], minute: number, message: string = status): EventUpdate => ({
  id: `u${minute}`,
  event_id: 'e1',
  status,
  message,
  notify_subscribers: false,
  created_by: null,
  created_at: at(minute),
});

describe('syndication rules', () => {
  it('maps every service status to a Statuspage component status and page indicator', () => {
    expect(serviceStatuses.map((status) => componentStatusOf[status])).toEqual([
      'operational',
      'degraded_performance',
      'partial_outage',
      'major_outage',
      'under_maintenance',
    ]);
    expect(serviceStatuses.map((status) => pageStatusOf[status].indicator)).toEqual([
      'none',
      'minor',
      'major',
      'critical',
      'maintenance',
    ]);
    expect(pageStatusOf.operational.description).toBe('All Systems Operational');
    expect(pageStatusOf.maintenance.description).toBe('Service Under Maintenance');
  });

  it('takes the worst status, maintenance below every outage, operational for none', () => {
    expect(worstOf([])).toBe('operational');
    expect(worstOf(['operational', 'maintenance'])).toBe('maintenance');
    expect(worstOf(['maintenance', 'degraded', 'operational'])).toBe('degraded');
    expect(worstOf(['partial_outage', 'major_outage', 'degraded'] as ServiceStatus[])).toBe('major_outage');
  });

  it('gives an incident the impact of its severity, none without one', () => {
    expect(impactOf(null)).toBe('none');
    expect(impactOf('critical')).toBe('critical');
  });

  it('finds when an incident first reached monitoring (updates newest first)', () => {
    expect(monitoringAt([update('resolved', 9), update('investigating', 1)])).toBeNull();
    expect(
      monitoringAt([update('resolved', 9), update('monitoring', 7), update('monitoring', 5), update('identified', 2)]),
    ).toBe(at(5));
  });

  it("picks a service's first group among those listed", () => {
    expect(firstListedGroup(['archived', 'b', 'a'], new Set(['a', 'b']))).toBe('b');
    expect(firstListedGroup(['archived'], new Set(['a']))).toBeNull();
  });
});

describe('syndication views', () => {
  it('lists a service in two groups once, under its first; groups with their children, then the ungrouped', () => {
    const services = [
      service('api', { group_ids: ['platform', 'customer'], effective_status: 'major_outage' }),
      service('db', { group_ids: ['platform'], effective_status: 'degraded' }),
      service('web', { group_ids: ['customer'] }),
      service('mail', { description: 'E-mail' }),
      service('old', { archived_at: at(5), group_ids: ['platform'] }),
    ];
    const groups = [group('platform', ['api', 'db']), group('customer', ['api', 'web'])];
    const { list, byId } = componentsOf(services, groups, 'page');
    expect(list.map((component) => component.id)).toEqual(['platform', 'api', 'db', 'customer', 'web', 'mail']);
    expect(list.map((component) => component.position)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(list[0]).toMatchObject({ group: true, status: 'major_outage', components: ['api', 'db'], group_id: null });
    expect(list[3]).toMatchObject({ group: true, status: 'operational', components: ['web'] });
    expect(list[1]).toMatchObject({ group: false, group_id: 'platform', page_id: 'page', showcase: true });
    expect(list[1]).not.toHaveProperty('components');
    expect(list[5]).toMatchObject({ group_id: null, description: 'E-mail', start_date: '2026-01-01' });
    expect(list[2]?.description).toBeNull();
    // Archived: not listed, still known to past incidents.
    expect(byId.get('old')).toMatchObject({ id: 'old', group_id: 'platform' });
  });

  it('writes a feed entry: stable id, timeline newest first and escaped, never published in the future', () => {
    const entry = feedEntryOf(
      {
        event: event({ service_ids: ['api'], description: 'Line one\nline <two>' }),
        updates: [update('identified', 15, 'Found it & <b>fixed</b>'), update('investigating', 10, 'Looking')],
        rescheduleCount: 0,
      },
      { baseUrl: 'https://status.test', timeZone: 'Not/AZone', serviceNames: new Map([['api', 'API']]) },
    );
    expect(entry).toMatchObject({
      id: 'urn:uuid:e1',
      link: 'https://status.test/events/e1',
      summary: 'Identified: Found it & <b>fixed</b>',
      published: new Date(at(10)),
      updated: new Date(at(20)),
    });
    expect(entry.contentHtml).toContain('Found it &amp; &lt;b&gt;fixed&lt;/b&gt;');
    expect(entry.contentHtml).toContain('Line one<br>line &lt;two&gt;');
    expect(entry.contentHtml).toContain('Affected: API');
    expect(entry.contentHtml.indexOf('Identified')).toBeLessThan(entry.contentHtml.indexOf('Investigating'));
    // An unknown time zone falls back to UTC rather than failing.
    expect(entry.contentHtml).toContain('(UTC)');
    const scheduled = feedEntryOf(
      {
        event: event({ type: 'maintenance', status: 'scheduled', started_at: null, scheduled_start_at: at(50) }),
        updates: [],
        rescheduleCount: 0,
      },
      { baseUrl: 'https://status.test', timeZone: 'UTC', serviceNames: new Map() },
    );
    expect(scheduled.published).toEqual(new Date(at(10)));
  });

  it('writes a calendar event of the scheduled window; a window ending before it starts has no end', () => {
    const context = { baseUrl: 'https://status.test', timeZone: 'UTC' };
    const maintenance = event({
      type: 'maintenance',
      status: 'scheduled',
      started_at: null,
      description: 'Planned',
      scheduled_start_at: at(30),
      scheduled_end_at: at(45),
    });
    const calendarEvent = calendarEventOf(
      { event: maintenance, updates: [update('scheduled', 12, 'Announced')], rescheduleCount: 3 },
      context,
    );
    expect(calendarEvent).toMatchObject({
      uid: 'e1',
      start: new Date(at(30)),
      end: new Date(at(45)),
      sequence: 3,
      status: 'CONFIRMED',
      url: 'https://status.test/events/e1',
    });
    expect(calendarEvent.description).toBe(`Planned\n\nScheduled (1 Jan 2026, 12:12 (UTC)): Announced`);
    const odd = calendarEventOf(
      { event: { ...maintenance, scheduled_end_at: at(20) }, updates: [], rescheduleCount: 0 },
      context,
    );
    expect(odd.end).toBeNull();
    // The opening entry that repeats the description is not said twice.
    const opened = calendarEventOf(
      { event: maintenance, updates: [update('scheduled', 12, 'Planned')], rescheduleCount: 0 },
      context,
    );
    expect(opened.description).toBe('Planned');
  });

  it('escapes text as HTML', () => {
    expect(textToHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });
});
