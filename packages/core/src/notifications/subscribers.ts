import type {
  ChannelType,
  CreateSubscriberInput,
  SubscriberDestinationType,
  Subscription,
  SubscriptionChoice,
} from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { writeOutbox } from '../outbox/write';
import { generateToken, hashToken } from '../shared/crypto';
import { NotificationErrors } from './errors';
import { type NotificationDeps, ProbeFailure } from './ports';
import {
  CONFIRMATION_TTL_MS,
  channelMayReceiveSql,
  confirmationValid,
  destinationOf,
  manageToken,
  normalizeSubscriberEmail,
  PENDING_SUBSCRIBER_LIFETIME_MS,
  subscribeAction,
  subscriberDestinationLabel,
  subscriberIpHash,
  subscriptionChoiceError,
  verifyManageToken,
} from './rules';
import {
  addChannelToOpenEvents,
  type ChannelRow,
  countPendingByIp,
  deletePendingSubscribers,
  deleteSubscriber,
  findSubscriber,
  findSubscriberByDestination,
  insertChannel,
  insertDelivery,
  insertMessage,
  insertSubscriber,
  lockSubscriberByConfirmHash,
  lockSubscriberDestination,
  replaceGroupSubscriptions,
  replaceSubscriptions,
  type SubscriberRow,
  selectGroupSubscriptions,
  selectSubscriptions,
  subscriberChannel,
  updateChannel,
  updateSubscriber,
} from './store';
import { newSigningSecret, probeRequest } from './verification';

// Account-less subscribers: subscribe (double opt-in), confirm, manage by token, unsubscribe, and
// the pruning of unconfirmed ones. Each owns one channel, a normal channel row (e-mail, or a webhook,
// Slack, Discord or Teams URL), so subscriber sets, fan-out and deliveries treat it like any
// account's channel. A URL subscriber's address is its contact: every e-mail about the subscription
// goes there, nothing goes to the URL before the contact confirmed and the URL took a test message.

/** What the API answers to every subscribe request, whatever the address (no enumeration). */
export const SUBSCRIBE_ANSWER =
  'If this address can subscribe, a message is on its way to it: follow its link to confirm or manage the subscription.';

/** The chosen services and groups, checked against the catalog (unknown or archived ones are refused). */
export async function checkedChoice(
  deps: NotificationDeps,
  tx: Database,
  choice: SubscriptionChoice,
): Promise<SubscriptionChoice> {
  const refusal = subscriptionChoiceError(choice);
  if (refusal) throw refusal;
  const serviceIds = [...new Set(choice.service_ids)];
  const groupIds = [...new Set(choice.group_ids)];
  if (serviceIds.length > 0) {
    const known = new Set(await deps.catalog.followableServices(tx, serviceIds));
    const missing = serviceIds.filter((id) => !known.has(id));
    if (missing.length > 0) throw NotificationErrors.unknownServices(missing);
  }
  if (groupIds.length > 0) {
    const known = new Set(await deps.catalog.followableGroups(tx, groupIds));
    const missing = groupIds.filter((id) => !known.has(id));
    if (missing.length > 0) throw NotificationErrors.unknownGroups(missing);
  }
  return { subscribe_to_all_services: choice.subscribe_to_all_services, service_ids: serviceIds, group_ids: groupIds };
}

/** Makes a channel follow exactly this choice. */
export async function applyChoice(deps: NotificationDeps, tx: Database, channelId: string, choice: SubscriptionChoice) {
  await updateChannel(tx, channelId, { subscribeToAll: choice.subscribe_to_all_services, updatedAt: deps.clock() });
  await replaceSubscriptions(tx, channelId, choice.service_ids);
  await replaceGroupSubscriptions(tx, channelId, choice.group_ids);
}

/**
 * Queues a direct e-mail (confirmation or manage link) to a subscriber's contact address, ahead of
 * event messages: through its channel when that is the address, else to the address alone.
 */
async function queueSubscriberMail(
  tx: Database,
  subscriber: Pick<SubscriberRow, 'email'>,
  channel: Pick<ChannelRow, 'id' | 'type'>,
  kind: 'subscriber_confirmation' | 'subscriber_manage',
  payload: Record<string, string>,
) {
  const messageId = await insertMessage(tx, { kind, payload });
  if (messageId === undefined) throw new Error('insert returned no row');
  const deliveryId = await insertDelivery(tx, {
    messageId,
    ...(channel.type === 'email' ? { channelId: channel.id } : {}),
    channelType: 'email',
    target: subscriber.email,
  });
  if (deliveryId === undefined) throw new Error('insert returned no row');
  await writeOutbox(tx, 'notification.deliver', { delivery_id: deliveryId, priority: 'high' });
}

/** A new confirmation token for a pending subscriber (the previous one stops working) and its e-mail. */
async function sendConfirmation(deps: NotificationDeps, tx: Database, subscriber: SubscriberRow) {
  const channel = await subscriberChannel(tx, subscriber.id);
  if (!channel) throw new Error(`subscriber ${subscriber.id} has no channel`);
  const now = deps.clock();
  const token = generateToken();
  const expiresAt = new Date(now.getTime() + CONFIRMATION_TTL_MS);
  await updateSubscriber(tx, subscriber.id, {
    confirmTokenHash: hashToken(token),
    confirmExpiresAt: expiresAt,
    lastMailAt: now,
    updatedAt: now,
  });
  const payload: Record<string, string> = { token, expires_at: expiresAt.toISOString() };
  if (channel.type !== 'email') payload.destination = subscriberDestinationLabel(channel);
  await queueSubscriberMail(tx, subscriber, channel, 'subscriber_confirmation', payload);
}

/** Where a subscribe request's notifications go: its address, or its destination URL. */
function destinationOfInput(email: string, input: CreateSubscriberInput): { type: ChannelType; target: string } {
  return input.destination
    ? { type: input.destination.type, target: input.destination.url }
    : { type: 'email', target: email };
}

/**
 * Subscribes an address, or a URL with its contact address (double opt-in by
 * e-mail to the address). A new destination gets a confirmation e-mail, a
 * pending one a new confirmation (to this request's address, which becomes its
 * contact: nothing was proved by the earlier one), a confirmed one its manage
 * link to its own contact (its subscriptions are not changed by someone who
 * only knows the destination); at most one e-mail per destination per
 * cooldown. A filled honeypot does nothing. The caller answers the same in
 * every case.
 */
export async function subscribe(deps: NotificationDeps, input: CreateSubscriberInput, ip: string): Promise<void> {
  if (input.website) return;
  const email = normalizeSubscriberEmail(input.email);
  const destination = destinationOfInput(email, input);
  if (destination.type !== 'email') {
    // Judged from the request alone (the same whatever is stored): nothing to enumerate.
    if (!deps.settings.availableTypes.includes(destination.type)) {
      throw NotificationErrors.destinationTypeDisabled(destination.type);
    }
    const refusal = deps.probe.addressRefusal(destination.target);
    if (refusal) throw NotificationErrors.destinationAddressRefused(refusal);
  }
  await deps.db.transaction(async (tx) => {
    const choice = await checkedChoice(deps, tx, input);
    // Asked of every request, known address or not: refusing only new ones would tell which are known.
    const ipHash = subscriberIpHash(ip, deps.secret);
    if ((await countPendingByIp(tx, ipHash)) >= deps.settings.maxPendingSubscribersPerIp) {
      throw NotificationErrors.tooManyPending();
    }
    await lockSubscriberDestination(tx, destination.type, destination.target);
    const existing = await findSubscriberByDestination(tx, destination.type, destination.target);
    const now = deps.clock();
    const action = subscribeAction(existing, now, deps.settings.subscriberMailCooldownSeconds);
    if (action === 'nothing') return;
    if (existing && action === 'resend_confirmation') {
      const channel = await subscriberChannel(tx, existing.id);
      if (!channel) return;
      await applyChoice(deps, tx, channel.id, choice);
      const contact = { ...existing, email };
      if (existing.email !== email) await updateSubscriber(tx, existing.id, { email, updatedAt: now });
      await sendConfirmation(deps, tx, contact);
      return;
    }
    if (existing && action === 'send_manage_link') {
      const channel = await subscriberChannel(tx, existing.id);
      if (!channel) return;
      await updateSubscriber(tx, existing.id, { lastMailAt: now, updatedAt: now });
      await queueSubscriberMail(tx, existing, channel, 'subscriber_manage', {
        token: manageToken(existing.id, existing.tokenVersion, deps.secret),
      });
      return;
    }
    const subscriber = await insertSubscriber(tx, { email, ipHash, createdAt: now, updatedAt: now });
    if (!subscriber) throw new Error('insert returned no row');
    const channel = await insertChannel(tx, {
      subscriberId: subscriber.id,
      type: destination.type,
      target: destination.target,
      isVerified: false,
      signingSecret: destination.type === 'webhook' ? newSigningSecret() : null,
      createdAt: now,
      updatedAt: now,
    });
    if (!channel) throw new Error('insert returned no row');
    await applyChoice(deps, tx, channel.id, choice);
    await sendConfirmation(deps, tx, subscriber);
  });
}

/** The subscription of a subscriber, as its manage link shows it. */
async function subscriptionOf(deps: NotificationDeps, tx: Database, subscriber: SubscriberRow): Promise<Subscription> {
  const channel = await subscriberChannel(tx, subscriber.id);
  const ids = channel ? [channel.id] : [];
  const services = (await selectSubscriptions(tx, ids)).map((row) => row.serviceId);
  const groups = (await selectGroupSubscriptions(tx, ids)).map((row) => row.groupId);
  const all = channel?.subscribeToAll ?? false;
  return {
    email: subscriber.email,
    destination:
      channel && channel.type !== 'email'
        ? { type: channel.type as SubscriberDestinationType, host: destinationOf(channel.target) }
        : null,
    state: subscriber.state,
    subscribe_to_all_services: all,
    service_ids: all ? [] : await deps.catalog.followableServices(tx, services),
    group_ids: all ? [] : await deps.catalog.followableGroups(tx, groups),
  };
}

/**
 * Sends a URL subscriber's destination its test message (signed, for a webhook); it must answer
 * 2xx. A failure leaves the subscriber pending with its confirmation link still working.
 */
async function verifyDestination(deps: NotificationDeps, channel: ChannelRow) {
  try {
    await deps.probe.webhook(channel.target, probeRequest(deps, channel));
  } catch (error) {
    if (error instanceof ProbeFailure) throw NotificationErrors.destinationUnverified(error.message);
    throw error;
  }
}

/**
 * Confirms a subscriber by the token of its confirmation e-mail (once, within
 * 24 h): its channel becomes verified and joins the subscriber sets of the
 * open events it follows, so it gets their next messages and none of the past.
 * A URL subscriber's destination must first take a test message (outside the
 * transaction: a network call); until it does, the link keeps working. A
 * webhook subscriber's signing secret is answered here, once.
 */
export async function confirmSubscriber(deps: NotificationDeps, token: string) {
  const hash = hashToken(token);
  const candidate = await deps.db.transaction((tx) => lockSubscriberByConfirmHash(tx, hash));
  if (!candidate || !confirmationValid(candidate, deps.clock())) throw NotificationErrors.subscriberLinkInvalid();
  const destination = await subscriberChannel(deps.db, candidate.id);
  if (destination && destination.type !== 'email') await verifyDestination(deps, destination);
  return deps.db.transaction(async (tx) => {
    const subscriber = await lockSubscriberByConfirmHash(tx, hash);
    const now = deps.clock();
    if (!subscriber || !confirmationValid(subscriber, now)) throw NotificationErrors.subscriberLinkInvalid();
    await updateSubscriber(tx, subscriber.id, {
      state: 'confirmed',
      confirmedAt: now,
      confirmTokenHash: null,
      confirmExpiresAt: null,
      updatedAt: now,
    });
    const channel = await subscriberChannel(tx, subscriber.id);
    if (channel) {
      await updateChannel(tx, channel.id, { isVerified: true, updatedAt: now });
      await addChannelToOpenEvents(
        tx,
        channel.id,
        deps.events.openEventIdsSql(),
        deps.events.serviceIdsOfSql,
        deps.catalog.groupIdsOfServicesSql,
        channelMayReceiveSql(deps.accounts),
      );
    }
    const confirmed = { ...subscriber, state: 'confirmed' as const };
    return {
      ...(await subscriptionOf(deps, tx, confirmed)),
      manage_token: manageToken(subscriber.id, subscriber.tokenVersion, deps.secret),
      ...(channel?.type === 'webhook' && channel.signingSecret ? { signing_secret: channel.signingSecret } : {}),
    };
  });
}

/** The subscriber a manage token names, if it is valid (signed by us, current version, not unsubscribed). */
async function subscriberOfToken(deps: NotificationDeps, tx: Database, token: string, lock = false) {
  const secrets = [deps.secret, ...(deps.previousSecret ? [deps.previousSecret] : [])];
  const claim = verifyManageToken(token, secrets);
  if (!claim) throw NotificationErrors.subscriberLinkInvalid();
  const subscriber = await findSubscriber(tx, claim.subscriberId, lock);
  if (!subscriber || subscriber.tokenVersion !== claim.tokenVersion) throw NotificationErrors.subscriberLinkInvalid();
  return subscriber;
}

/** What a manage link shows: the address, its state and what it follows. */
export async function getSubscription(deps: NotificationDeps, token: string): Promise<Subscription> {
  return subscriptionOf(deps, deps.db, await subscriberOfToken(deps, deps.db, token));
}

/** Replaces what a subscriber follows, by its manage link. */
export async function updateSubscription(
  deps: NotificationDeps,
  token: string,
  choice: SubscriptionChoice,
): Promise<Subscription> {
  return deps.db.transaction(async (tx) => {
    const subscriber = await subscriberOfToken(deps, tx, token, true);
    const checked = await checkedChoice(deps, tx, choice);
    const channel = await subscriberChannel(tx, subscriber.id);
    if (!channel) throw NotificationErrors.subscriberLinkInvalid();
    await applyChoice(deps, tx, channel.id, checked);
    return subscriptionOf(deps, tx, subscriber);
  });
}

/**
 * Unsubscribes by the manage link: the subscriber is deleted with its channel
 * (it leaves every subscriber set), so the link stops working.
 */
export async function unsubscribeSubscriber(deps: NotificationDeps, token: string): Promise<void> {
  await deps.db.transaction(async (tx) => {
    const subscriber = await subscriberOfToken(deps, tx, token, true);
    await deleteSubscriber(tx, subscriber.id);
  });
}

/** Deletes the subscribers left unconfirmed for a week; answers how many. */
export async function prunePendingSubscribers(db: Database, now: Date): Promise<number> {
  return db.transaction((tx) => deletePendingSubscribers(tx, new Date(now.getTime() - PENDING_SUBSCRIBER_LIFETIME_MS)));
}
