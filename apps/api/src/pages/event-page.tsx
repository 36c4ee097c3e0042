import type { EventDetail, Group, Service } from '@statuspage/contracts';
import { EventFacts, eventTone, Section, StatusBadge, StatusIcon, Time } from './components';
import { type PageContext, pageHref } from './context';
import { renderDocument } from './layout';
import { durationOf } from './rules';

export interface EventPageData {
  event: EventDetail;
  /** The services and groups it names (archived ones too: they still belong to its history). */
  services: Service[];
  groups: Group[];
}

/** `/events/{id}`: one incident or maintenance with its whole timeline, newest first. */
export function renderEventPage(ctx: PageContext, { event, services, groups }: EventPageData) {
  const { t, f } = ctx;
  const duration = durationOf(event);
  const closedLabel = event.type === 'maintenance' ? t.completed : t.resolved;
  return renderDocument({
    ctx,
    title: `${event.title} — ${ctx.settings.name}`,
    children: (
      <article>
        <h1 class={`s-${eventTone(event)}`}>
          <StatusIcon status={eventTone(event)} /> <span class="st-title">{event.title}</span>
        </h1>
        <EventFacts ctx={ctx} event={event} />
        <dl class="facts">
          <dt>{t.typeLabel}</dt>
          <dd>{t.eventType[event.type]}</dd>
          {event.severity ? (
            <>
              <dt>{t.severityLabel}</dt>
              <dd>{t.severity[event.severity]}</dd>
            </>
          ) : null}
          <dt>{t.statusLabel}</dt>
          <dd>{t.eventStatus[event.status]}</dd>
          {event.scheduled_start_at ? (
            <>
              <dt>{t.window}</dt>
              <dd>
                {t.windowRange(
                  f.dateTime(event.scheduled_start_at),
                  event.scheduled_end_at ? f.dateTime(event.scheduled_end_at) : null,
                )}
              </dd>
            </>
          ) : null}
          {event.started_at ? (
            <>
              <dt>{t.started}</dt>
              <dd>
                <Time ctx={ctx} iso={event.started_at} />
              </dd>
            </>
          ) : null}
          {event.resolved_at ? (
            <>
              <dt>{closedLabel}</dt>
              <dd>
                <Time ctx={ctx} iso={event.resolved_at} />
              </dd>
            </>
          ) : null}
          {duration !== null ? (
            <>
              <dt>{t.duration}</dt>
              <dd>{f.duration(duration)}</dd>
            </>
          ) : null}
        </dl>
        {event.description ? <p class="msg">{event.description}</p> : null}
        {services.length > 0 ? (
          <Section id="affected-services" title={t.affectedServices}>
            <ul class="plain">
              {services.map((service) => (
                <li>
                  {service.archived_at ? (
                    service.name
                  ) : (
                    <a href={pageHref(ctx, `/services/${service.slug}`)}>{service.name}</a>
                  )}
                  {' — '}
                  <StatusBadge ctx={ctx} status={service.effective_status} />
                </li>
              ))}
            </ul>
          </Section>
        ) : null}
        {groups.length > 0 ? (
          <Section id="affected-groups" title={t.affectedGroups}>
            <ul class="plain">
              {groups.map((group) => (
                <li>{group.name}</li>
              ))}
            </ul>
          </Section>
        ) : null}
        <Section id="timeline" title={t.timeline}>
          {event.updates.length === 0 ? <p>{t.noUpdates}</p> : null}
          <ol class="timeline">
            {event.updates.map((update) => (
              <li>
                <h3>{t.eventStatus[update.status]}</h3>
                <p class="msg">{update.message}</p>
                <p class="meta">
                  <Time ctx={ctx} iso={update.created_at} />
                </p>
              </li>
            ))}
          </ol>
        </Section>
      </article>
    ),
  });
}
