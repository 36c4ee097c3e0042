import type { Group, Service, Subscription } from '@statuspage/contracts';
import type { PageContext } from './context';
import { pageHref } from './context';
import { renderDocument } from './layout';

// The subscriber pages: the subscribe form, its answer, the confirmation (a button: mail scanners
// fetch the links of e-mails, and a GET changes nothing), the manage form and the answers of both.
// Forms post application/x-www-form-urlencoded; no script is needed.

export interface ChoiceCatalog {
  services: readonly Service[];
  groups: readonly Group[];
}

/** The services and groups to choose from: each group with its services, then the services in none. */
function ChoiceFields({
  ctx,
  catalog,
  chosen,
}: {
  ctx: PageContext;
  catalog: ChoiceCatalog;
  chosen: { all: boolean; serviceIds: ReadonlySet<string>; groupIds: ReadonlySet<string> };
}) {
  const { t } = ctx;
  const grouped = new Set(catalog.groups.flatMap((group) => group.service_ids));
  const serviceBox = (service: Service, id: string) => (
    <label class="check" for={id}>
      <input
        type="checkbox"
        id={id}
        name="service_ids"
        value={service.id}
        checked={chosen.serviceIds.has(service.id)}
      />
      <span>{service.name}</span>
    </label>
  );
  const ungrouped = catalog.services.filter((service) => !grouped.has(service.id));
  return (
    <>
      <fieldset>
        <legend>{t.scopeLegend}</legend>
        <label class="check" for="scope-all">
          <input type="radio" id="scope-all" name="scope" value="all" checked={chosen.all} />
          <span>{t.scopeAll}</span>
        </label>
        <label class="check" for="scope-chosen">
          <input type="radio" id="scope-chosen" name="scope" value="chosen" checked={!chosen.all} />
          <span>{t.scopeChosen}</span>
        </label>
      </fieldset>
      {catalog.services.length === 0 ? <p>{t.noServices}</p> : null}
      {catalog.groups.map((group) => {
        const members = catalog.services.filter((service) => group.service_ids.includes(service.id));
        return (
          <fieldset>
            <legend>{group.name}</legend>
            <label class="check" for={`group-${group.id}`}>
              <input
                type="checkbox"
                id={`group-${group.id}`}
                name="group_ids"
                value={group.id}
                checked={chosen.groupIds.has(group.id)}
              />
              <span>{t.wholeGroup(group.name)}</span>
            </label>
            {members.map((service) => serviceBox(service, `service-${group.id}-${service.id}`))}
          </fieldset>
        );
      })}
      {ungrouped.length > 0 ? (
        <fieldset>
          <legend>{catalog.groups.length > 0 ? t.otherServices : t.services}</legend>
          {ungrouped.map((service) => serviceBox(service, `service-${service.id}`))}
        </fieldset>
      ) : null}
    </>
  );
}

/** The subscribe form (with an error notice after a refused post, keeping what was entered). */
export function renderSubscribePage(
  ctx: PageContext,
  catalog: ChoiceCatalog,
  state: { email?: string; error?: string; all?: boolean; serviceIds?: string[]; groupIds?: string[] } = {},
) {
  const { t } = ctx;
  return renderDocument({
    ctx,
    title: `${t.subscribeTitle} — ${ctx.settings.name}`,
    children: (
      <>
        <h1>{t.subscribeTitle}</h1>
        <p class="lead">{t.subscribeLead}</p>
        {state.error ? (
          <p class="notice" role="alert">
            {state.error}
          </p>
        ) : null}
        <form class="form" method="post" action={pageHref(ctx, '/subscribe')}>
          <label for="email">
            {t.emailLabel}
            <input type="email" id="email" name="email" required autocomplete="email" value={state.email ?? ''} />
          </label>
          <div class="hp" aria-hidden="true">
            <label for="website">
              {t.honeypotLabel}
              <input type="text" id="website" name="website" tabindex={-1} autocomplete="off" />
            </label>
          </div>
          <ChoiceFields
            ctx={ctx}
            catalog={catalog}
            chosen={{
              all: state.all ?? true,
              serviceIds: new Set(state.serviceIds ?? []),
              groupIds: new Set(state.groupIds ?? []),
            }}
          />
          <button type="submit">{t.subscribeButton}</button>
        </form>
      </>
    ),
  });
}

/** A short answer page: a heading, a text, and optionally a link. */
export function renderMessagePage(
  ctx: PageContext,
  title: string,
  text: string,
  link?: { href: string; text: string },
) {
  return renderDocument({
    ctx,
    title: `${title} — ${ctx.settings.name}`,
    children: (
      <>
        <h1>{title}</h1>
        <p>{text}</p>
        <p>{link ? <a href={link.href}>{link.text}</a> : <a href={pageHref(ctx, '/')}>{ctx.t.backToStatus}</a>}</p>
      </>
    ),
  });
}

/** The confirmation page a link of the e-mail opens: a button that posts the token. */
export function renderConfirmPage(ctx: PageContext, token: string) {
  const { t } = ctx;
  return renderDocument({
    ctx,
    title: `${t.confirmTitle} — ${ctx.settings.name}`,
    children: (
      <>
        <h1>{t.confirmTitle}</h1>
        <p>{t.confirmText}</p>
        <form class="form" method="post" action={pageHref(ctx, '/subscribers/confirm')}>
          <input type="hidden" name="token" value={token} />
          <button type="submit">{t.confirmButton}</button>
        </form>
      </>
    ),
  });
}

/** The manage page: what the subscription follows (a form to change it) and a form to unsubscribe. */
export function renderManagePage(
  ctx: PageContext,
  catalog: ChoiceCatalog,
  token: string,
  subscription: Subscription,
  notice?: string,
) {
  const { t } = ctx;
  return renderDocument({
    ctx,
    title: `${t.manageTitle} — ${ctx.settings.name}`,
    children: (
      <>
        <h1>{t.manageTitle}</h1>
        <p class="lead">{t.manageLead(subscription.email)}</p>
        {notice ? (
          <p class="notice" role="status">
            {notice}
          </p>
        ) : null}
        <form class="form" method="post" action={pageHref(ctx, '/subscribers/manage')}>
          <input type="hidden" name="token" value={token} />
          <input type="hidden" name="action" value="save" />
          <ChoiceFields
            ctx={ctx}
            catalog={catalog}
            chosen={{
              all: subscription.subscribe_to_all_services,
              serviceIds: new Set(subscription.service_ids),
              groupIds: new Set(subscription.group_ids),
            }}
          />
          <button type="submit">{t.saveButton}</button>
        </form>
        <h2>{t.unsubscribeHeading}</h2>
        <p>{t.unsubscribeText}</p>
        <form class="form" method="post" action={pageHref(ctx, '/subscribers/manage')}>
          <input type="hidden" name="token" value={token} />
          <input type="hidden" name="action" value="unsubscribe" />
          <button type="submit">{t.unsubscribeButton}</button>
        </form>
      </>
    ),
  });
}
