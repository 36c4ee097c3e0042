import { randomBytes } from 'node:crypto';
import type { Event, EventUpdate, Group, Service } from '@statuspage/contracts';
import type { DayUptime, ServiceDays } from '@statuspage/core';
import { renderToString } from 'preact-render-to-string';
import { EventFacts, eventTone, Section, StatusBadge, StatusIcon, Time, UptimeBar, Window } from './components';
import { type PageContext, pageHref } from './context';
import { renderDocument } from './layout';
import { type DayRun, overallState, runsOf, sectionsOf, splitOpenEvents } from './rules';

export interface StatusPageData {
  services: Service[];
  groups: Group[];
  /** Events not closed: active ones and scheduled maintenance. */
  openEvents: Event[];
  latestUpdates: ReadonlyMap<string, EventUpdate>;
  uptime: ReadonlyMap<string, ServiceDays>;
  /** The 90 days of the bars, oldest first. */
  days: { from: string; to: string };
  /** Titles of the events named by the uptime days. */
  eventTitles: ReadonlyMap<string, string>;
  /** Service rows rendered by earlier pages (see `createRowMemo`). */
  rows?: RowMemo | undefined;
}

/**
 * Service rows as earlier pages rendered them, by everything a row shows. After a write only
 * the rows whose service, status or days changed are rendered again; the others are the same
 * HTML, copied. Keyed by content, so never stale.
 */
export interface RowMemo {
  get(key: string): Buffer | undefined;
  set(key: string, html: Buffer): void;
  /** A service's days as runs: those of its last page when its days read the same (mostly the same objects). */
  runs(
    serviceId: string,
    range: { from: string; to: string },
    days: readonly DayUptime[] | undefined,
  ): readonly DayRun[];
}

/** A memo of up to `maxRows` rows (then it starts again empty). */
export function createRowMemo(maxRows = 10_000): RowMemo {
  const rows = new Map<string, Buffer>();
  const lastRuns = new Map<string, { range: string; days: readonly DayUptime[] | undefined; runs: DayRun[] }>();
  return {
    get: (key) => rows.get(key),
    set(key, html) {
      if (rows.size >= maxRows) rows.clear();
      rows.set(key, html);
    },
    runs(serviceId, range, days) {
      const key = `${range.from} ${range.to}`;
      const last = lastRuns.get(serviceId);
      if (last && last.range === key && sameDaysShown(last.days, days)) return last.runs;
      const runs = runsOf(range, days);
      if (!last && lastRuns.size >= maxRows) lastRuns.clear();
      lastRuns.set(serviceId, { range: key, days, runs });
      return runs;
    },
  };
}

/** Whether two reads of a service's days show the same (the uptime module hands back unchanged days as the same objects). */
function sameDaysShown(a: readonly DayUptime[] | undefined, b: readonly DayUptime[] | undefined) {
  if (a === b) return true;
  if (!a || !b || a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) {
    const x = a[index] as DayUptime;
    const y = b[index] as DayUptime;
    if (x === y) continue;
    if (x.date !== y.date || x.worst !== y.worst || x.uptimePercent !== y.uptimePercent) return false;
    if (x.eventIds.length !== y.eventIds.length || x.eventIds.some((id, n) => id !== y.eventIds[n])) return false;
  }
  return true;
}

function ServiceRow({
  ctx,
  service,
  uptime,
  range,
  runs,
  eventTitles,
}: {
  ctx: PageContext;
  service: Service;
  uptime: ServiceDays | undefined;
  range: { from: string; to: string };
  runs: readonly DayRun[];
  eventTitles: ReadonlyMap<string, string>;
}) {
  return (
    <>
      <div class="svc-head">
        <h4>
          <a href={pageHref(ctx, `/services/${service.slug}`)}>{service.name}</a>
        </h4>
        <StatusBadge ctx={ctx} status={service.effective_status} />
      </div>
      <UptimeBar
        ctx={ctx}
        serviceName={service.name}
        range={range}
        days={uptime?.days}
        uptimePercent={uptime?.uptimePercent ?? null}
        eventTitles={eventTitles}
        runs={runs}
      />
    </>
  );
}

/** What a service row shows, as a key: the language and links, the service, its runs of days and their event titles. */
function rowKey(
  ctx: PageContext,
  data: StatusPageData,
  service: Service,
  uptime: ServiceDays | undefined,
  runs: readonly DayRun[],
) {
  const parts: (string | number | null)[] = [
    ctx.lang,
    ctx.explicitLanguage ? 1 : 0,
    ctx.timeZone,
    data.days.from,
    data.days.to,
    service.slug,
    service.name,
    service.effective_status,
    // Percentages as shown: the 90-day figure moves a little with every read, its rounding mostly not.
    percentShown(ctx, uptime?.uptimePercent ?? null),
  ];
  for (const run of runs) {
    parts.push(run.from, run.days, run.worst, percentShown(ctx, run.uptimePercent), run.eventIds.length);
    for (const id of run.eventIds) parts.push(id, data.eventTitles.get(id) ?? null);
  }
  return JSON.stringify(parts);
}

const percentShown = (ctx: PageContext, value: number | null) => (value === null ? null : ctx.f.percent(value));

/** A service row as the page sends it: `<li class="svc">…</li>`, encoded once. */
function renderedRow(ctx: PageContext, data: StatusPageData, service: Service): Buffer {
  const uptime = data.uptime.get(service.id);
  const runs = data.rows ? data.rows.runs(service.id, data.days, uptime?.days) : runsOf(data.days, uptime?.days);
  const row = () =>
    Buffer.from(
      renderToString(
        <li class="svc">
          <ServiceRow
            ctx={ctx}
            service={service}
            uptime={uptime}
            range={data.days}
            runs={runs}
            eventTitles={data.eventTitles}
          />
        </li>,
      ),
    );
  if (!data.rows) return row();
  const key = rowKey(ctx, data, service, uptime, runs);
  let html = data.rows.get(key);
  if (html === undefined) {
    html = row();
    data.rows.set(key, html);
  }
  return html;
}

/**
 * Where the rows of each group go in the rendered document: a comment no content can hold (a
 * random token of this process). The page is assembled from the document's parts and the rows'
 * bytes, so a thousand rows are copied, not rendered into one string and encoded again.
 */
const rowsToken = randomBytes(12).toString('hex');
const rowsMarker = (index: number) => `<!--rows-${rowsToken}-${index}-->`;

function assemble(html: string, rowsOfSection: readonly Buffer[][]): Buffer {
  const parts: Buffer[] = [];
  let position = 0;
  rowsOfSection.forEach((rows, index) => {
    const marker = rowsMarker(index);
    const at = html.indexOf(marker, position);
    if (at < 0) throw new Error(`the rows of section ${index} have no place in the page`);
    parts.push(Buffer.from(html.slice(position, at)), ...rows);
    position = at + marker.length;
  });
  parts.push(Buffer.from(html.slice(position)));
  return Buffer.concat(parts);
}

function OpenEvent({ ctx, event, update }: { ctx: PageContext; event: Event; update: EventUpdate | undefined }) {
  const { t } = ctx;
  return (
    <li class={`card s-${eventTone(event)}`}>
      <h3>
        <a href={pageHref(ctx, `/events/${event.id}`)}>{event.title}</a>
      </h3>
      <EventFacts ctx={ctx} event={event} />
      {event.type === 'maintenance' ? <Window ctx={ctx} event={event} /> : null}
      {update ? (
        <>
          <p class="msg">
            <strong>{t.eventStatus[update.status]}</strong> — {update.message}
          </p>
          <p class="meta">
            {t.latestUpdate}: <Time ctx={ctx} iso={update.created_at} />
          </p>
        </>
      ) : (
        <p class="meta">{t.noUpdates}</p>
      )}
    </li>
  );
}

function EventList({
  ctx,
  id,
  title,
  events,
  updates,
}: {
  ctx: PageContext;
  id: string;
  title: string;
  events: Event[];
  updates: ReadonlyMap<string, EventUpdate>;
}) {
  if (events.length === 0) return null;
  return (
    <Section id={id} title={title}>
      <ul class="cards">
        {events.map((event) => (
          <OpenEvent ctx={ctx} event={event} update={updates.get(event.id)} />
        ))}
      </ul>
    </Section>
  );
}

/** `/`: the overall state, open events, and every service with its 90 days. */
export function renderStatusPage(ctx: PageContext, data: StatusPageData): Buffer {
  const { t } = ctx;
  const overall = overallState(data.services);
  const open = splitOpenEvents(data.openEvents);
  const sections = sectionsOf(data.groups, data.services);
  const rowsOfSection = sections.map((section) => section.services.map((service) => renderedRow(ctx, data, service)));
  const html = renderDocument({
    ctx,
    title: `${ctx.settings.name} — ${t.overall[overall]}`,
    current: 'status',
    children: (
      <>
        {ctx.settings.description ? <p class="lead">{ctx.settings.description}</p> : null}
        <div class={`banner s-${overall}`}>
          <StatusIcon status={overall} />
          <h1>{t.overall[overall]}</h1>
        </div>
        <EventList
          ctx={ctx}
          id="incidents"
          title={t.activeIncidents}
          events={open.incidents}
          updates={data.latestUpdates}
        />
        <EventList
          ctx={ctx}
          id="maintenance-now"
          title={t.maintenanceInProgress}
          events={open.maintenanceInProgress}
          updates={data.latestUpdates}
        />
        <EventList
          ctx={ctx}
          id="maintenance-next"
          title={t.upcomingMaintenance}
          events={open.upcomingMaintenance}
          updates={data.latestUpdates}
        />
        <Section id="services" title={t.services}>
          {sections.length === 0 ? <p>{t.noServices}</p> : null}
          {sections.map((section, index) => (
            <section class="group" aria-labelledby={`g-${section.group?.slug ?? '-'}`}>
              <h3 id={`g-${section.group?.slug ?? '-'}`}>{section.group?.name ?? t.otherServices}</h3>
              {/* The rows are preact's own rendering (escaped), put in by assemble(). */}
              <ul class="svcs" dangerouslySetInnerHTML={{ __html: rowsMarker(index) }} />
            </section>
          ))}
          <p class="foot-note">{t.uptimeFootnote}</p>
        </Section>
      </>
    ),
  });
  return assemble(html, rowsOfSection);
}
