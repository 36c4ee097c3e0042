import type { Event } from '@statuspage/contracts';
import { EventFacts, eventTone } from './components';
import { type PageContext, pageHref } from './context';
import { renderDocument } from './layout';
import { byMonth, durationOf } from './rules';

export interface HistoryPageData {
  events: Event[];
  /** Names of the services the events name, archived ones too. */
  serviceNames: ReadonlyMap<string, string>;
  page: number;
  pages: number;
}

/** A closed event in a list: title, facts, when it closed, how long it lasted, what it affected. */
export function PastEvent({
  ctx,
  event,
  serviceNames,
}: {
  ctx: PageContext;
  event: Event;
  serviceNames?: ReadonlyMap<string, string>;
}) {
  const { t, f } = ctx;
  const duration = durationOf(event);
  const affected = serviceNames
    ? event.service_ids.flatMap((id) => {
        const name = serviceNames.get(id);
        return name ? [name] : [];
      })
    : [];
  return (
    <li class={`card s-${eventTone(event)}`}>
      <h3>
        <a href={pageHref(ctx, `/events/${event.id}`)}>{event.title}</a>
      </h3>
      <EventFacts ctx={ctx} event={event} />
      <p class="meta">
        {event.resolved_at ? <time datetime={event.resolved_at}>{f.dateTime(event.resolved_at)}</time> : null}
        {duration !== null ? ` · ${t.duration}: ${f.duration(duration)}` : null}
      </p>
      {affected.length > 0 ? (
        <p class="meta">
          {t.affectedServices}: {affected.join(', ')}
        </p>
      ) : null}
    </li>
  );
}

/** `/history`: closed events by month, newest first, one page of them. */
export function renderHistoryPage(ctx: PageContext, data: HistoryPageData) {
  const { t, f } = ctx;
  const months = byMonth(data.events, f.monthOf);
  const pageLink = (page: number) => pageHref(ctx, '/history', page === 1 ? {} : { page: String(page) });
  return renderDocument({
    ctx,
    title: `${t.historyTitle} — ${ctx.settings.name}`,
    current: 'history',
    children: (
      <>
        <h1>{t.historyHeading}</h1>
        {months.length === 0 ? <p>{t.noHistory}</p> : null}
        {months.map(({ month, events }) => (
          <section aria-labelledby={`m-${month}`}>
            <h2 id={`m-${month}`}>{f.month(month)}</h2>
            <ul class="cards">
              {events.map((event) => (
                <PastEvent ctx={ctx} event={event} serviceNames={data.serviceNames} />
              ))}
            </ul>
          </section>
        ))}
        {data.pages > 1 ? (
          <nav class="pager" aria-label={t.pageOf(data.page, data.pages)}>
            {data.page > 1 ? <a href={pageLink(data.page - 1)}>← {t.newer}</a> : <span />}
            <span>{t.pageOf(data.page, data.pages)}</span>
            {data.page < data.pages ? <a href={pageLink(data.page + 1)}>{t.older} →</a> : <span />}
          </nav>
        ) : null}
      </>
    ),
  });
}
