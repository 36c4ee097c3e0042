import type { Event, ServiceStatus } from '@statuspage/contracts';
import type { DayUptime } from '@statuspage/core';
import type { ComponentChildren } from 'preact';
import type { PageContext } from './context';
import { type DayRun, runsOf } from './rules';

// The pieces the pages share. Status is always text plus an icon whose shape differs per status, never colour alone.

const marks: Record<ServiceStatus, ComponentChildren> = {
  operational: (
    <>
      <circle cx="8" cy="8" r="7.5" stroke="none" />
      <path d="M4.6 8.3l2.2 2.2 4.6-4.8" fill="none" />
    </>
  ),
  degraded: (
    <>
      <path d="M8 .8l7.6 13.6H.4z" stroke="none" />
      <path d="M8 5.6v3.8M8 11.8v.2" fill="none" />
    </>
  ),
  partial_outage: (
    <>
      <path d="M8 .2l7.8 7.8L8 15.8.2 8z" stroke="none" />
      <path d="M4.8 8h6.4" fill="none" />
    </>
  ),
  major_outage: (
    <>
      <path d="M4.9.5h6.2l4.4 4.4v6.2l-4.4 4.4H4.9L.5 11.1V4.9z" stroke="none" />
      <path d="M5.5 5.5l5 5M10.5 5.5l-5 5" fill="none" />
    </>
  ),
  maintenance: (
    <>
      <rect x=".5" y=".5" width="15" height="15" rx="3.5" stroke="none" />
      <path d="M8 4v4.2l2.6 1.8" fill="none" />
    </>
  ),
};

/** The icons, once per page; every status mark refers to them. */
export function IconSprite() {
  return (
    <svg aria-hidden="true" width="0" height="0" class="sr">
      {Object.entries(marks).map(([status, mark]) => (
        <symbol id={`i-${status}`} viewBox="0 0 16 16">
          {mark}
        </symbol>
      ))}
    </svg>
  );
}

export function StatusIcon({ status }: { status: ServiceStatus }) {
  return (
    <svg class="ico" aria-hidden="true" focusable="false">
      <use href={`#i-${status}`} />
    </svg>
  );
}

/** A service status: its icon and its words. */
export function StatusBadge({ ctx, status }: { ctx: PageContext; status: ServiceStatus }) {
  return (
    <span class={`st s-${status}`}>
      <StatusIcon status={status} />
      <span>{ctx.t.serviceStatus[status]}</span>
    </span>
  );
}

/** A moment in the page's time zone, machine-readable in `datetime`. */
export function Time({ ctx, iso }: { ctx: PageContext; iso: string }) {
  return <time datetime={iso}>{ctx.f.dateTime(iso)}</time>;
}

/** The service status an event stands for on the page (for its colour and icon). */
export function eventTone(event: Pick<Event, 'type' | 'severity'>): ServiceStatus {
  if (event.type === 'maintenance') return 'maintenance';
  if (event.severity === 'critical') return 'major_outage';
  if (event.severity === 'major') return 'partial_outage';
  return 'degraded';
}

/** Type, severity and status of an event in words. */
export function EventFacts({ ctx, event }: { ctx: PageContext; event: Event }) {
  const parts = [
    ctx.t.eventType[event.type],
    ...(event.severity ? [`${ctx.t.severityLabel}: ${ctx.t.severity[event.severity]}`] : []),
    ctx.t.eventStatus[event.status],
  ];
  return <p class="meta">{parts.join(' · ')}</p>;
}

/** The scheduled window of a maintenance, if it has one. */
export function Window({ ctx, event }: { ctx: PageContext; event: Event }) {
  if (!event.scheduled_start_at) return null;
  return (
    <p>
      {ctx.t.window}:{' '}
      {ctx.t.windowRange(
        ctx.f.dateTime(event.scheduled_start_at),
        event.scheduled_end_at ? ctx.f.dateTime(event.scheduled_end_at) : null,
      )}
    </p>
  );
}

/**
 * The 90-day bar: one cell per day with the day's worst status. Days that
 * read the same are one element drawn as that many cells, labelled in words
 * (read by screen readers, shown as a tooltip on hover) with the dates,
 * status, uptime and the incidents of those days.
 */
export function UptimeBar({
  ctx,
  serviceName,
  range,
  days,
  uptimePercent,
  eventTitles,
  runs = runsOf(range, days),
}: {
  ctx: PageContext;
  serviceName: string;
  range: { from: string; to: string };
  days: readonly DayUptime[] | undefined;
  /** The days as runs, when the caller has them already. */
  runs?: readonly DayRun[];
  uptimePercent: number | null;
  eventTitles: ReadonlyMap<string, string>;
}) {
  const { t, f } = ctx;
  return (
    <>
      <ol class="bar" aria-label={t.uptimeBarLabel(serviceName)}>
        {runs.map((run) => (
          <li class={`u-${run.worst ?? 'none'} n${run.days}`}>
            <span class="sr">
              {t.dayLabel({
                date: run.days === 1 ? f.day(run.from) : f.dayRange(run.from, run.to),
                days: run.days,
                status: run.worst ? t.serviceStatus[run.worst] : t.noData,
                percent: run.uptimePercent === null ? null : f.percent(run.uptimePercent),
                events: run.eventIds.flatMap((id) => {
                  const title = eventTitles.get(id);
                  return title ? [title] : [];
                }),
              })}
            </span>
          </li>
        ))}
      </ol>
      <p class="legend">
        <span>{t.daysAgo90}</span>
        <span>{uptimePercent === null ? t.uptimeNoData : t.uptimeLast90(f.percent(uptimePercent))}</span>
        <span>{t.today}</span>
      </p>
    </>
  );
}

/** A section with a heading of its own, labelled by it. */
export function Section({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
