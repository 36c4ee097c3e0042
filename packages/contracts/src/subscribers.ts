import { z } from 'zod';
import { envelope, QueryBoolean, queryInt, Timestamp, Uuid } from './common';
import { ChannelType } from './enums';

// Account-less subscribers: the public subscribe, confirm and manage operations, and the admin's
// list, counts, removal, export and import.

export const subscriberStates = ['pending', 'confirmed'] as const;
export const SubscriberState = z.enum(subscriberStates);

/** A token from a confirmation or manage link (random or signed; long, URL-safe). */
export const SubscriberToken = z
  .string()
  .min(20)
  .max(200)
  .regex(/^[A-Za-z0-9._-]+$/, 'must be a token from a link');

/** What a subscriber follows: every service (future ones too), or chosen services and groups. */
const choice = {
  subscribe_to_all_services: z.boolean().default(false),
  service_ids: z.array(Uuid).max(1000).default([]),
  /** A group means its current and future services. */
  group_ids: z.array(Uuid).max(1000).default([]),
};

export const subscriberDestinationTypes = ['webhook', 'slack', 'discord', 'teams'] as const;
export const SubscriberDestinationType = z.enum(subscriberDestinationTypes);
export type SubscriberDestinationType = z.infer<typeof SubscriberDestinationType>;

/**
 * Where a subscriber's notifications go instead of its address: a signed webhook receiver, or a
 * Slack, Discord or Teams incoming-webhook URL. Only the scheme is checked here; where it may point
 * is judged by the address guard (private and local networks refused unless allowed).
 */
export const SubscriberDestination = z.strictObject({
  type: SubscriberDestinationType,
  url: z
    .string()
    .trim()
    .max(2048)
    .pipe(z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' })),
});
export type SubscriberDestination = z.infer<typeof SubscriberDestination>;

/**
 * Subscribe without an account (double opt-in). With a `destination`, the
 * notifications go to that URL and `email` is only the contact address (the
 * confirmation, the manage link and the notice when the URL keeps failing). `website` is a honeypot: a
 * person leaves it empty (the form hides it); anything in it makes the
 * request a no-op answered like any other.
 */
export const CreateSubscriberInput = z.strictObject({
  email: z.string().trim().max(254).pipe(z.email()),
  destination: SubscriberDestination.optional(),
  ...choice,
  website: z.string().max(2048).optional(),
});
export type CreateSubscriberInput = z.infer<typeof CreateSubscriberInput>;

/** The same answer whatever the address (no enumeration). */
export const SubscribeResponse = envelope(z.object({ message: z.string() }));

export const ConfirmSubscriberInput = z.strictObject({ token: SubscriberToken });
export const ManageTokenInput = z.object({ token: SubscriberToken });
export const UnsubscribeSubscriberInput = z.strictObject({ token: SubscriberToken });
export const UpdateSubscriptionInput = z.strictObject({ token: SubscriberToken, ...choice });
export type SubscriptionChoice = {
  subscribe_to_all_services: boolean;
  service_ids: string[];
  group_ids: string[];
};

/** A subscriber as its manage link shows it. */
export const Subscription = z.object({
  /** The contact address (for an e-mail subscriber also where its notifications go). */
  email: z.string(),
  /** Where the notifications go when not to the address: the type and the URL's scheme and host only. */
  destination: z.object({ type: SubscriberDestinationType, host: z.string() }).nullable(),
  state: SubscriberState,
  subscribe_to_all_services: z.boolean(),
  service_ids: z.array(Uuid),
  group_ids: z.array(Uuid),
});
export type Subscription = z.infer<typeof Subscription>;
export const SubscriptionResponse = envelope(Subscription);
/**
 * Confirming answers the subscription and the token of its manage link; a webhook subscriber also
 * gets its signing secret, here and only here (the confirmation link works once).
 */
export const ConfirmedSubscriptionResponse = envelope(
  Subscription.extend({ manage_token: z.string(), signing_secret: z.string().optional() }),
);

// ---- admin

export const subscriberKinds = ['account', 'subscriber'] as const;
/** Every receiver in one list: account channels and account-less subscribers. */
export const AdminSubscriber = z.object({
  channel_id: Uuid,
  kind: z.enum(subscriberKinds),
  user_id: Uuid.nullable(),
  subscriber_id: Uuid.nullable(),
  type: ChannelType,
  target: z.string(),
  /** An account-less subscriber's contact address (its target too for an e-mail one); null for account channels. */
  contact_email: z.string().nullable(),
  /** pending: not confirmed (or not verified) yet; confirmed: receives; disabled: turned off. */
  state: z.enum(['pending', 'confirmed', 'disabled']),
  subscribe_to_all_services: z.boolean(),
  service_ids: z.array(Uuid),
  group_ids: z.array(Uuid),
  created_at: Timestamp,
});
export type AdminSubscriber = z.infer<typeof AdminSubscriber>;

export const ListSubscribersInput = z.object({
  /** Part of the address or target, case-insensitive. */
  q: z.string().max(254).optional(),
  kind: z.enum(subscriberKinds).optional(),
  state: z.enum(['pending', 'confirmed', 'disabled']).optional(),
  service_id: Uuid.optional(),
  limit: queryInt({ min: 1, max: 200 }).default(50),
  offset: queryInt({ min: 0 }).default(0),
});
export type ListSubscribersInput = z.infer<typeof ListSubscribersInput>;
export const SubscribersResponse = envelope(
  z.object({
    subscribers: z.array(AdminSubscriber),
    total: z.number().int(),
    limit: z.number().int(),
    offset: z.number().int(),
  }),
);

export const SubscriberCountsResponse = envelope(
  z.object({
    /** Receivers that follow every service. */
    all_services: z.number().int(),
    /** Per service not archived: receivers that would get its events now (all, listed, or by a group). */
    services: z.array(z.object({ service_id: Uuid, name: z.string(), subscribers: z.number().int() })),
  }),
);

export const SubscriberChannelIdInput = z.strictObject({ id: Uuid });

export const ExportSubscribersInput = z.object({ include_pending: QueryBoolean.default(false) });
export const SubscribersCsvResponse = envelope(z.object({ filename: z.string(), csv: z.string() }));

/** A CSV of addresses (Statuspage's subscriber export, or a column `email`), imported as confirmed. */
export const ImportSubscribersInput = z.strictObject({
  // Below the JSON body limit (1 MB by default), so a large CSV is refused by its schema, after authentication.
  csv: z.string().max(500_000),
  dry_run: z.boolean().default(false),
});
export const ImportSubscribersResponse = envelope(
  z.object({
    dry_run: z.boolean(),
    /** Addresses created (or that would be). */
    created: z.array(z.string()),
    /** Addresses that already had a subscriber (left as they are). */
    already_present: z.array(z.string()),
    invalid: z.array(z.object({ line: z.number().int(), message: z.string() })),
  }),
);
