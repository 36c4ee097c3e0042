import type { Event, Group, Service } from '@statuspage/contracts';
import type { DayUptime, ServiceDays } from '@statuspage/core';
import { defaultPageSettings } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import type { PageContext } from '../src/pages/context';
import { catalogues, chooseLanguage, formatsFor, languageOfHeader } from '../src/pages/i18n';
import {
  byMonth,
  lastNinetyDays,
  overallState,
  pageNumber,
  runsOf,
  sectionsOf,
  splitOpenEvents,
} from '../src/pages/rules';
import { createRowMemo, renderStatusPage, type StatusPageData } from '../src/pages/status-page';

const service = (id: string, order: number, effective: Service['effective_status'] = 'operational') =>
  ({ id, name: id, order, group_ids: [], effective_status: effective }) as unknown as Service;
const group = (id: string, order: number, serviceIds: string[]) =>
  ({ id, name: id, slug: id, description: '', order, service_ids: serviceIds }) as unknown as Group;
const event = (fields: Partial<Event>) => ({ type: 'incident', status: 'investigating', ...fields }) as Event;

describe('pages overall state', () => {
  it('is the worst effective status, operational without services', () => {
    expect(overallState([])).toBe('operational');
    expect(overallState([service('a', 0), service('b', 0, 'maintenance')])).toBe('maintenance');
    expect(overallState([service('a', 0, 'maintenance'), service('b', 0, 'degraded')])).toBe('degraded');
    expect(overallState([service('a', 0, 'partial_outage'), service('b', 0, 'degraded')])).toBe('partial_outage');
    expect(overallState([service('a', 0, 'partial_outage'), service('b', 0, 'major_outage')])).toBe('major_outage');
  });
});

describe('pages sections', () => {
  it('lists groups in order with their services in order, a service under each of its groups, then the rest', () => {
    const services = [service('s3', 3), service('s1', 1), service('s2', 2), service('lone', 0)];
    const sections = sectionsOf(
      [group('g2', 2, ['s1']), group('g1', 1, ['s3', 's1']), group('empty', 0, [])],
      services,
    );
    expect(sections.map((section) => [section.group?.id ?? null, section.services.map((s) => s.id)])).toEqual([
      ['g1', ['s1', 's3']],
      ['g2', ['s1']],
      [null, ['lone', 's2']],
    ]);
  });
});

describe('pages open events', () => {
  it('splits incidents, maintenance in progress and upcoming maintenance (soonest first)', () => {
    const split = splitOpenEvents([
      event({ id: 'm-late', type: 'maintenance', status: 'scheduled', scheduled_start_at: '2030-02-01T00:00:00.000Z' }),
      event({ id: 'i' }),
      event({ id: 'm-now', type: 'maintenance', status: 'in_progress' }),
      event({ id: 'm-soon', type: 'maintenance', status: 'scheduled', scheduled_start_at: '2030-01-01T00:00:00.000Z' }),
    ]);
    expect(split.incidents.map((e) => e.id)).toEqual(['i']);
    expect(split.maintenanceInProgress.map((e) => e.id)).toEqual(['m-now']);
    expect(split.upcomingMaintenance.map((e) => e.id)).toEqual(['m-soon', 'm-late']);
  });
});

describe('pages days', () => {
  it('are the 90 days ending today in the page time zone', () => {
    const now = new Date('2026-03-01T20:30:00Z');
    expect(lastNinetyDays('UTC', now)).toEqual({ from: '2025-12-02', to: '2026-03-01' });
    // Already March 2nd in Tokyo.
    expect(lastNinetyDays('Asia/Tokyo', now)).toEqual({ from: '2025-12-03', to: '2026-03-02' });
  });
});

describe('pages bar runs', () => {
  it('merge consecutive days with the same status, uptime and events, and nothing else', () => {
    const day = (date: string, worst: DayUptime['worst'], uptimePercent: number | null, eventIds: string[] = []) => ({
      date,
      worst,
      uptimePercent,
      minutes: {},
      eventIds,
    });
    // 2026-02-25 and -26 are missing: no data.
    const runs = runsOf({ from: '2026-02-25', to: '2026-03-05' }, [
      day('2026-02-27', null, null),
      day('2026-02-28', 'operational', 100),
      day('2026-03-01', 'operational', 100),
      day('2026-03-02', 'operational', 100, ['e1']),
      day('2026-03-03', 'operational', 100, ['e1']),
      day('2026-03-04', 'major_outage', 90, ['e1']),
      day('2026-03-05', 'major_outage', 80, ['e1']),
    ]);
    expect(runs.map((run) => [run.from, run.to, run.days, run.worst])).toEqual([
      ['2026-02-25', '2026-02-27', 3, null],
      ['2026-02-28', '2026-03-01', 2, 'operational'],
      ['2026-03-02', '2026-03-03', 2, 'operational'],
      ['2026-03-04', '2026-03-04', 1, 'major_outage'],
      ['2026-03-05', '2026-03-05', 1, 'major_outage'],
    ]);
  });
});

describe('pages history', () => {
  it('groups closed events by the month they closed in, in the page time zone', () => {
    const { monthOf } = formatsFor('en', 'Europe/Moscow');
    const months = byMonth(
      [
        event({ id: 'a', resolved_at: '2026-03-31T22:00:00.000Z' }),
        event({ id: 'b', resolved_at: '2026-03-31T20:00:00.000Z' }),
        event({ id: 'c', resolved_at: '2026-02-10T00:00:00.000Z' }),
      ],
      monthOf,
    );
    expect(months.map((month) => [month.month, month.events.map((e) => e.id)])).toEqual([
      ['2026-04', ['a']],
      ['2026-03', ['b']],
      ['2026-02', ['c']],
    ]);
  });

  it('reads ?page= as a positive integer', () => {
    expect(pageNumber(undefined)).toBe(1);
    expect(pageNumber('3')).toBe(3);
    for (const bad of ['0', '-1', '1.5', 'abc', '', '1e3', '9999999', ['1', '2']])
      expect(pageNumber(bad)).toBe(undefined);
  });
});

describe('pages languages', () => {
  it('take ?lang=, then Accept-Language, then the page default', () => {
    expect(chooseLanguage('ru', 'en', 'en')).toBe('ru');
    expect(chooseLanguage('xx', 'ru-RU,ru;q=0.9', 'en')).toBe('ru');
    expect(chooseLanguage(undefined, 'de, en;q=0.5', 'ru')).toBe('en');
    expect(chooseLanguage(undefined, 'de', 'ru')).toBe('ru');
    expect(chooseLanguage(undefined, undefined, 'ru')).toBe('ru');
    expect(languageOfHeader('*')).toBe(undefined);
  });

  it('format durations and percentages in their language, never rounding up to 100 %', () => {
    const en = formatsFor('en', 'UTC');
    const ru = formatsFor('ru', 'UTC');
    expect(en.duration(2 * 3_600_000 + 5 * 60_000)).toBe('2 hours 5 minutes');
    expect(en.duration(3 * 86_400_000 + 3_600_000 + 60_000)).toBe('3 days 1 hour');
    expect(en.duration(30_000)).toBe('less than a minute');
    expect(ru.duration(2 * 3_600_000)).toBe('2 часа');
    expect(en.percent(99.999)).toBe('99.99%');
    expect(ru.percent(97.5)).toBe('97,5\u00a0%');
  });
});

describe('the status page’s memo of service rows', () => {
  const ctxOf = (lang: 'en' | 'ru'): PageContext => ({
    lang,
    t: catalogues[lang],
    f: formatsFor(lang, 'UTC'),
    settings: defaultPageSettings,
    timeZone: 'UTC',
    path: '/',
    query: {},
    baseUrl: 'http://status.example.test',
    explicitLanguage: false,
  });
  const range = { from: '2026-03-01', to: '2026-03-03' };
  const dayOf = (date: string, worst: DayUptime['worst'], eventIds: string[] = []): DayUptime => ({
    date,
    worst,
    uptimePercent: worst === 'operational' ? 100 : worst === null ? null : 70,
    minutes: {},
    eventIds,
  });
  const services = [
    { ...service('a', 1), slug: 'a', name: 'API' },
    { ...service('b', 2, 'major_outage'), slug: 'b', name: 'Billing' },
  ] as Service[];
  const data = (overrides: Partial<StatusPageData> = {}): StatusPageData => ({
    services,
    groups: [],
    openEvents: [],
    latestUpdates: new Map(),
    days: range,
    eventTitles: new Map([['e1', 'Database failover']]),
    uptime: new Map([
      ['a', { serviceId: 'a', uptimePercent: 100, days: [dayOf('2026-03-01', 'operational')], eventIds: [] }],
      [
        'b',
        {
          serviceId: 'b',
          uptimePercent: 80,
          days: [dayOf('2026-03-02', 'partial_outage', ['e1']), dayOf('2026-03-03', 'major_outage')],
          eventIds: ['e1'],
        },
      ],
    ]),
    ...overrides,
  });

  const page = (ctx: PageContext, input: StatusPageData) => renderStatusPage(ctx, input).toString('utf8');

  it('renders exactly what rendering without it renders, and each change of a row', () => {
    const rows = createRowMemo();
    const plain = page(ctxOf('en'), data());
    expect(page(ctxOf('en'), data({ rows }))).toBe(plain);
    expect(page(ctxOf('en'), data({ rows }))).toBe(plain);
    expect(plain).toContain('Database failover');
    // Another language, a renamed event, a changed status: each is rendered, not taken from the memo.
    expect(page(ctxOf('ru'), data({ rows }))).toBe(page(ctxOf('ru'), data()));
    const renamed = data({ rows, eventTitles: new Map([['e1', 'Failover of the primary']]) });
    expect(page(ctxOf('en'), renamed)).toContain('Failover of the primary');
    const recovered = [services[0], { ...services[1], effective_status: 'operational' }] as Service[];
    const after = page(ctxOf('en'), data({ rows, services: recovered }));
    expect(after).toBe(page(ctxOf('en'), data({ services: recovered })));
    expect(after).not.toBe(plain);
    // The 90-day figure is part of the key as shown: a change that shows is rendered.
    const uptime = new Map(data().uptime);
    uptime.set('b', { ...(uptime.get('b') as ServiceDays), uptimePercent: 81.5 });
    const moved = page(ctxOf('en'), data({ rows, uptime }));
    expect(moved).toBe(page(ctxOf('en'), data({ uptime })));
    expect(moved).toContain('81.5%');
    // A day that reads differently (a new object from the uptime module) changes the bar.
    const worse = new Map(data().uptime);
    worse.set('a', { serviceId: 'a', uptimePercent: 100, days: [dayOf('2026-03-01', 'major_outage')], eventIds: [] });
    const outage = page(ctxOf('en'), data({ rows, uptime: worse }));
    expect(outage).toBe(page(ctxOf('en'), data({ uptime: worse })));
    expect(outage).toContain('u-major_outage');
    // …and back: the runs of the earlier days are not kept from the outage.
    expect(page(ctxOf('en'), data({ rows }))).toBe(plain);
  });
});
