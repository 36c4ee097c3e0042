import type { Event, Service } from '@statuspage/contracts';
import type { MonthUptime, ServiceDays } from '@statuspage/core';
import { StatusBadge, UptimeBar } from './components';
import type { PageContext } from './context';
import { PastEvent } from './history-page';
import { renderDocument } from './layout';

export interface ServicePageData {
  service: Service;
  uptime: ServiceDays | undefined;
  /** The 90 days of the bar, oldest first. */
  days: { from: string; to: string };
  months: MonthUptime[];
  recentEvents: Event[];
  eventTitles: ReadonlyMap<string, string>;
}

/** `/services/{slug}`: one service's status, its 90 days, 12 months of uptime and its recent events. */
export function renderServicePage(ctx: PageContext, data: ServicePageData) {
  const { t, f } = ctx;
  const { service } = data;
  return renderDocument({
    ctx,
    title: `${service.name} — ${ctx.settings.name}`,
    serviceSlug: service.slug,
    children: (
      <>
        <div class="svc-head">
          <h1>{service.name}</h1>
          <StatusBadge ctx={ctx} status={service.effective_status} />
        </div>
        {service.description ? <p class="lead msg">{service.description}</p> : null}
        <UptimeBar
          ctx={ctx}
          serviceName={service.name}
          range={data.days}
          days={data.uptime?.days}
          uptimePercent={data.uptime?.uptimePercent ?? null}
          eventTitles={data.eventTitles}
        />
        <p class="foot-note">{t.uptimeFootnote}</p>
        <section aria-labelledby="months">
          <h2 id="months">{t.monthlyUptime}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t.month}</th>
                <th scope="col" class="num">
                  {t.uptime}
                </th>
              </tr>
            </thead>
            <tbody>
              {data.months.map((month) => (
                <tr>
                  <th scope="row">{f.month(month.month)}</th>
                  <td class="num">{month.uptimePercent === null ? t.noData : f.percent(month.uptimePercent)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
        <section aria-labelledby="recent">
          <h2 id="recent">{t.recentEvents}</h2>
          {data.recentEvents.length === 0 ? <p>{t.noRecentEvents}</p> : null}
          <ul class="cards">
            {data.recentEvents.map((event) => (
              <PastEvent ctx={ctx} event={event} />
            ))}
          </ul>
        </section>
      </>
    ),
  });
}
