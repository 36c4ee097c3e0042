import { describe, expect, it } from 'vitest';
import {
  addDays,
  addIntervalPacked,
  dayGrid,
  dayStart,
  durationsByDay,
  intervalsOf,
  isCalendarDate,
  isTimeZone,
  localDate,
  monthsEndingWith,
  STATUSES_PER_DAY,
  summarizeDay,
  sumPacked,
  toMinutes,
  unpackDay,
  uptimePercent,
  worstStatus,
} from '../src/uptime/rules';

const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;
const MINUTE = 60_000;

describe('uptime local days', () => {
  it('starts a UTC day at midnight UTC', () => {
    expect(dayStart('2026-03-10', 'UTC')).toBe(at('2026-03-10T00:00:00Z'));
  });

  it('starts a day at local midnight in a zone with a half-hour offset', () => {
    expect(dayStart('2026-03-10', 'Asia/Kolkata')).toBe(at('2026-03-09T18:30:00Z'));
    expect(dayStart('2026-03-10', 'Asia/Kathmandu')).toBe(at('2026-03-09T18:15:00Z'));
  });

  it('gives a day of 23 hours when DST begins and 25 when it ends (Europe/Berlin)', () => {
    const spring = dayGrid('2026-03-29', '2026-03-29', 'Europe/Berlin');
    expect((spring.starts[1] ?? 0) - (spring.starts[0] ?? 0)).toBe(23 * HOUR);
    const autumn = dayGrid('2026-10-25', '2026-10-25', 'Europe/Berlin');
    expect((autumn.starts[1] ?? 0) - (autumn.starts[0] ?? 0)).toBe(25 * HOUR);
    expect(autumn.starts[0]).toBe(at('2026-10-24T22:00:00Z'));
    expect(autumn.starts[1]).toBe(at('2026-10-25T23:00:00Z'));
  });

  it('starts a day whose midnight DST skips at the first instant of the day (America/Santiago)', () => {
    // Chile moves its clocks from 00:00 to 01:00 on the first Sunday of September.
    const start = dayStart('2026-09-06', 'America/Santiago');
    expect(localDate(start, 'America/Santiago')).toBe('2026-09-06');
    expect(localDate(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('reads the local date of an instant', () => {
    expect(localDate(at('2026-03-09T18:29:59Z'), 'Asia/Kolkata')).toBe('2026-03-09');
    expect(localDate(at('2026-03-09T18:30:00Z'), 'Asia/Kolkata')).toBe('2026-03-10');
    expect(localDate(at('2026-01-01T04:59:00Z'), 'America/New_York')).toBe('2025-12-31');
  });

  it('checks dates and time zones', () => {
    expect(isCalendarDate('2026-02-28')).toBe(true);
    expect(isCalendarDate('2026-02-29')).toBe(false);
    expect(isCalendarDate('2026-2-1')).toBe(false);
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
  });

  it('lists the months ending with one, across a year', () => {
    expect(monthsEndingWith('2026-02', 4)).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
  });
});

describe('uptime intervals to days', () => {
  it('makes intervals from status changes, the last open unless given an end', () => {
    const changes = [
      { at: 0, status: 'operational' as const },
      { at: 10, status: 'major_outage' as const },
      { at: 10, status: 'degraded' as const },
      { at: 25, status: 'operational' as const },
    ];
    expect(intervalsOf(changes)).toEqual([
      { status: 'operational', start: 0, end: 10 },
      { status: 'degraded', start: 10, end: 25 },
    ]);
    expect(intervalsOf(changes, 40)).toHaveLength(3);
  });

  it('cuts an interval that crosses midnight into both days', () => {
    const grid = dayGrid('2026-05-01', '2026-05-02', 'UTC');
    const byDay = durationsByDay(
      [{ status: 'major_outage', start: at('2026-05-01T23:30:00Z'), end: at('2026-05-02T00:45:00Z') }],
      grid,
    );
    expect(byDay.get(0)).toEqual({ major_outage: 30 * MINUTE });
    expect(byDay.get(1)).toEqual({ major_outage: 45 * MINUTE });
  });

  it('spreads a status spanning many days over every day, whole days in the middle', () => {
    const grid = dayGrid('2026-05-01', '2026-05-10', 'UTC');
    const byDay = durationsByDay(
      [{ status: 'degraded', start: at('2026-05-02T12:00:00Z'), end: at('2026-05-07T06:00:00Z') }],
      grid,
    );
    expect([...byDay.keys()].sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(byDay.get(1)).toEqual({ degraded: 12 * HOUR });
    for (const index of [2, 3, 4, 5]) expect(byDay.get(index)).toEqual({ degraded: 24 * HOUR });
    expect(byDay.get(6)).toEqual({ degraded: 6 * HOUR });
  });

  it('drops the parts outside the grid', () => {
    const grid = dayGrid('2026-05-02', '2026-05-02', 'UTC');
    const byDay = durationsByDay(
      [{ status: 'operational', start: at('2026-04-01T00:00:00Z'), end: at('2026-06-01T00:00:00Z') }],
      grid,
    );
    expect([...byDay.entries()]).toEqual([[0, { operational: 24 * HOUR }]]);
  });

  it('assigns time to the local days of the zone, 23 and 25 hours across DST', () => {
    const grid = dayGrid('2026-10-24', '2026-10-26', 'Europe/Berlin');
    const byDay = durationsByDay(
      [{ status: 'operational', start: at('2026-10-20T00:00:00Z'), end: at('2026-10-30T00:00:00Z') }],
      grid,
    );
    expect(byDay.get(0)).toEqual({ operational: 24 * HOUR });
    expect(byDay.get(1)).toEqual({ operational: 25 * HOUR });
    expect(byDay.get(2)).toEqual({ operational: 24 * HOUR });
  });

  it('puts an outage at 20:00 UTC on the next local day in Asia/Tokyo', () => {
    const grid = dayGrid('2026-05-01', '2026-05-02', 'Asia/Tokyo');
    const byDay = durationsByDay(
      [{ status: 'partial_outage', start: at('2026-05-01T20:00:00Z'), end: at('2026-05-01T21:00:00Z') }],
      grid,
    );
    expect(byDay.has(0)).toBe(false);
    expect(byDay.get(1)).toEqual({ partial_outage: HOUR });
  });

  it('adds several statuses of one day', () => {
    const grid = dayGrid('2026-05-01', '2026-05-01', 'UTC');
    const changes = [
      { at: at('2026-05-01T00:00:00Z'), status: 'operational' as const },
      { at: at('2026-05-01T06:00:00Z'), status: 'maintenance' as const },
      { at: at('2026-05-01T08:00:00Z'), status: 'operational' as const },
      { at: at('2026-05-01T12:00:00Z'), status: 'major_outage' as const },
      { at: at('2026-05-01T13:00:00Z'), status: 'operational' as const },
    ];
    const day = durationsByDay(intervalsOf(changes, at('2026-05-02T00:00:00Z')), grid).get(0) ?? {};
    expect(toMinutes(day)).toEqual({ operational: 21 * 60, maintenance: 120, major_outage: 60 });
    expect(worstStatus(day)).toBe('major_outage');
  });
});

describe('uptime formula', () => {
  it('counts a major outage as down', () => {
    expect(uptimePercent({ operational: 23 * HOUR, major_outage: HOUR })).toBeCloseTo((100 * 23) / 24, 10);
  });

  it('counts a partial outage as 30 % down and degraded as up', () => {
    expect(uptimePercent({ operational: 12 * HOUR, partial_outage: 10 * HOUR, degraded: 2 * HOUR })).toBeCloseTo(
      100 * (1 - (0.3 * 10) / 24),
      10,
    );
    expect(uptimePercent({ degraded: 24 * HOUR })).toBe(100);
  });

  it('leaves maintenance out of the denominator', () => {
    expect(uptimePercent({ operational: 10 * HOUR, maintenance: 4 * HOUR, major_outage: 10 * HOUR })).toBe(50);
  });

  it('has no uptime for no data or maintenance only, but maintenance is the worst of such a day', () => {
    expect(uptimePercent({})).toBeNull();
    expect(worstStatus({})).toBeNull();
    expect(uptimePercent({ maintenance: HOUR })).toBeNull();
    expect(worstStatus({ maintenance: HOUR, operational: HOUR })).toBe('maintenance');
  });

  it('ranks the worst status by severity', () => {
    expect(worstStatus({ operational: 1, degraded: 1, maintenance: 1 })).toBe('degraded');
    expect(worstStatus({ partial_outage: 1, major_outage: 1 })).toBe('major_outage');
  });
});

describe('uptime packed durations (the reads)', () => {
  const grid = dayGrid('2026-10-24', '2026-10-27', 'Europe/Berlin');
  const intervals = [
    { status: 'operational' as const, start: at('2026-10-20T00:00:00Z'), end: at('2026-10-25T10:00:00Z') },
    { status: 'maintenance' as const, start: at('2026-10-25T10:00:00Z'), end: at('2026-10-25T12:00:00Z') },
    { status: 'partial_outage' as const, start: at('2026-10-25T12:00:00Z'), end: at('2026-10-26T03:00:00Z') },
    { status: 'operational' as const, start: at('2026-10-26T03:00:00Z'), end: at('2026-10-27T05:00:00Z') },
  ];

  it('cuts intervals into days exactly as durationsByDay does', () => {
    const packed = new Float64Array(grid.days.length * STATUSES_PER_DAY);
    for (const interval of intervals) addIntervalPacked(packed, grid, interval);
    const byDay = durationsByDay(intervals, grid);
    grid.days.forEach((_, index) => {
      expect(unpackDay(packed, index)).toEqual(byDay.get(index) ?? {});
    });
  });

  it('summarizes a day and sums days with the rules of the formula', () => {
    const packed = new Float64Array(grid.days.length * STATUSES_PER_DAY);
    for (const interval of intervals) addIntervalPacked(packed, grid, interval);
    grid.days.forEach((date, index) => {
      const day = unpackDay(packed, index);
      expect(summarizeDay(packed, index, date, ['e'])).toEqual({
        date,
        worst: worstStatus(day),
        uptimePercent: uptimePercent(day),
        minutes: toMinutes(day),
        eventIds: ['e'],
      });
    });
    expect(summarizeDay(packed, 3, '2026-10-27', []).worst).toBe('operational');
    const total = sumPacked(packed);
    expect(total.maintenance).toBe(2 * HOUR);
    expect(total.partial_outage).toBe(15 * HOUR);
    expect(sumPacked(packed, 1, 2)).toEqual(unpackDay(packed, 1));
  });
});
