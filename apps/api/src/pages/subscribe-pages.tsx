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

/** Where the notifications go: e-mail to the address, or a webhook or chat URL (the address then is the contact). */
function DestinationFields({ ctx, type, url }: { ctx: PageContext; type: string; url: string }) {
  const { t } = ctx;
  const choices = [
    ['email', t.destinationEmail],
    ['webhook', t.destinationWebhook],
    ['slack', t.destinationSlack],
    ['discord', t.destinationDiscord],
    ['teams', t.destinationTeams],
  ] as const;
  return (
    <fieldset>
      <legend>{t.destinationLegend}</legend>
      {choices.map(([value, label]) => (
        <label class="check" for={`destination-${value}`}>
          <input
            type="radio"
            id={`destination-${value}`}
            name="destination_type"
            value={value}
            checked={type === value}
          />
          <span>{label}</span>
        </label>
      ))}
      <label for="destination_url">
        {t.destinationUrlLabel}
        <input type="url" id="destination_url" name="destination_url" inputmode="url" value={url} />
      </label>
      <p class="hint">{t.destinationHint}</p>
    </fieldset>
  );
}

/** The subscribe form (with an error notice after a refused post, keeping what was entered). */
export function renderSubscribePage(
  ctx: PageContext,
  catalog: ChoiceCatalog,
  state: {
    email?: string;
    error?: string;
    all?: boolean;
    serviceIds?: string[];
    groupIds?: string[];
    destinationType?: string;
    destinationUrl?: string;
  } = {},
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
          <DestinationFields ctx={ctx} type={state.destinationType ?? 'email'} url={state.destinationUrl ?? ''} />
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

/**
 * The answer to a confirmation: the link to manage the subscription and, for a webhook subscriber,
 * its signing secret (shown here only: the confirmation link works once).
 */
export function renderConfirmedPage(ctx: PageContext, manageHref: string, signingSecret?: string) {
  const { t } = ctx;
  return renderDocument({
    ctx,
    title: `${t.confirmedTitle} — ${ctx.settings.name}`,
    children: (
      <>
        <h1>{t.confirmedTitle}</h1>
        <p>{t.confirmedText}</p>
        {signingSecret ? (
          <>
            <h2>{t.signingSecretHeading}</h2>
            <p>{t.signingSecretText}</p>
            <p>
              <code id="signing-secret">{signingSecret}</code>
            </p>
          </>
        ) : null}
        <p>
          <a href={manageHref}>{t.manageLink}</a>
        </p>
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
        <p class="lead">
          {subscription.destination
            ? t.manageLeadDestination(
                t.destinationKinds[subscription.destination.type] ?? subscription.destination.type,
                subscription.destination.host,
                subscription.email,
              )
            : t.manageLead(subscription.email)}
        </p>
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
