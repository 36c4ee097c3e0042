import type { Event, EventUpdate, Group, Service } from '@statuspage/contracts';
import type { ServiceDays } from '@statuspage/core';
import { EventFacts, eventTone, Section, StatusBadge, StatusIcon, Time, UptimeBar, Window } from './components';
import { type PageContext, pageHref } from './context';
import { renderDocument } from './layout';
import { overallState, sectionsOf, splitOpenEvents } from './rules';

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
export function renderStatusPage(ctx: PageContext, data: StatusPageData) {
  const { t } = ctx;
  const overall = overallState(data.services);
  const open = splitOpenEvents(data.openEvents);
  const sections = sectionsOf(data.groups, data.services);
  return renderDocument({
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
          {sections.map((section) => (
            <section class="group" aria-labelledby={`g-${section.group?.slug ?? '-'}`}>
              <h3 id={`g-${section.group?.slug ?? '-'}`}>{section.group?.name ?? t.otherServices}</h3>
              <ul class="svcs">
                {section.services.map((service) => {
                  const uptime = data.uptime.get(service.id);
                  return (
                    <li class="svc">
                      <div class="svc-head">
                        <h4>
                          <a href={pageHref(ctx, `/services/${service.slug}`)}>{service.name}</a>
                        </h4>
                        <StatusBadge ctx={ctx} status={service.effective_status} />
                      </div>
                      <UptimeBar
                        ctx={ctx}
                        serviceName={service.name}
                        range={data.days}
                        days={uptime?.days}
                        uptimePercent={uptime?.uptimePercent ?? null}
                        eventTitles={data.eventTitles}
                      />
                    </li>
                  );
                })}
              </ul>
            </section>
          ))}
          <p class="foot-note">{t.uptimeFootnote}</p>
        </Section>
      </>
    ),
  });
}
