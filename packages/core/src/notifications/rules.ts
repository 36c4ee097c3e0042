import { createHmac, timingSafeEqual } from 'node:crypto';
import { type ChannelType, type MessageKind, messageKinds } from '@statuspage/contracts';
import { notificationChannels, subscribers } from '@statuspage/db';
import { type SQL, sql } from 'drizzle-orm';
import { hashToken } from '../shared/crypto';
import type { DomainError } from '../shared/errors';
import { qualified } from '../shared/sql';
import { NotificationErrors } from './errors';
import type { NotificationAccounts, NotificationSettings } from './ports';

// The pure rules of notifications: who may receive, which message kinds are direct, what a
// verification code may be and when one may be sent, what an update announces, the tokens of the
// Telegram deep link and of one-click unsubscribe links. No I/O.

// ---- message kinds

/**
 * Direct messages to one person who is waiting for them (a verification code,
 * a password reset): they go ahead of event messages, and their payload holds
 * a secret that is removed once they were sent.
 */
export const directKinds: ReadonlySet<string> = new Set<string>([
  'verification',
  'password_reset',
  'subscriber_confirmation',
  'subscriber_manage',
  'channel_disabled',
]);

/** Every other kind tells subscribers about an event (they carry the unsubscribe link and headers). */
export const eventKinds: ReadonlySet<string> = new Set<string>(messageKinds.filter((kind) => !directKinds.has(kind)));

/**
 * The message an event update queues, or undefined for none: what the
 * operator asked for (`notify`), and always the closing update of an event
 * that notifies its subscribers.
 */
export function updateMessageKind(
  update: { status: string; notify: boolean },
  eventNotifiesSubscribers: boolean,
): MessageKind | undefined {
  const closing = update.status === 'resolved' || update.status === 'completed';
  if (!update.notify && !(closing && eventNotifiesSubscribers)) return undefined;
  return update.status === 'resolved' ? 'resolved' : update.status === 'completed' ? 'completed' : 'update';
}

// ---- recipients

/**
 * Who may receive event notifications — the one rule, used when an event's
 * subscriber set is written, when a message is fanned out and again just
 * before each delivery is sent: a channel that is enabled, verified, and
 * owned by an active account (the identity module's side, `accounts`) or by
 * an account-less subscriber who confirmed the address.
 * Written against `notification_channels` (unaliased), so it reads the same
 * in drizzle queries and in raw SQL.
 */
export function channelMayReceiveSql(accounts: Pick<NotificationAccounts, 'activeAccountSql'>): SQL<boolean> {
  const c = notificationChannels;
  const confirmed = sql`exists (select 1 from ${subscribers} as receiving_subscriber where receiving_subscriber.id = ${qualified(c.subscriberId)} and receiving_subscriber.state = 'confirmed')`;
  return sql<boolean>`(${qualified(c.isEnabled)} and ${qualified(c.isVerified)} and (${accounts.activeAccountSql(qualified(c.userId))} or ${confirmed}))`;
}

// ---- channels and verification

/** The target as stored: e-mail addresses in lower case, other targets as given. */
export function channelTarget(type: ChannelType, target: string): string {
  return type === 'email' ? target.toLowerCase() : target;
}

/** What the database keeps of a channel's verification code. */
export function verificationCodeHash(channelId: string, code: string): string {
  return hashToken(`${channelId}:${code}`);
}

/** Codes sent within the last hour, as the store counts them. */
export interface CodeSends {
  count: number;
  /** The oldest send of the hour. */
  first: Date | string | null;
  /** The newest send of the hour (only counted per address). */
  last?: Date | string | null;
}

type CodeLimits = Pick<
  NotificationSettings,
  'resendCooldownSeconds' | 'maxCodesPerAddressPerHour' | 'maxCodesPerUserPerHour'
>;

/**
 * Why no code may go to an address now (undefined: one may): the cooldown
 * since the last code to the address, or the hourly limits of the address and
 * of the user, each answered with when to try again.
 */
export function codeSendRefusal(
  now: Date,
  toAddress: CodeSends | undefined,
  byUser: CodeSends | undefined,
  limits: CodeLimits,
): DomainError | undefined {
  const secondsUntil = (date: Date) => Math.max(1, Math.ceil((date.getTime() - now.getTime()) / 1000));
  if (toAddress?.last) {
    const waited = (now.getTime() - new Date(toAddress.last).getTime()) / 1000;
    if (waited < limits.resendCooldownSeconds) {
      return NotificationErrors.resendTooSoon(Math.ceil(limits.resendCooldownSeconds - waited));
    }
  }
  if (toAddress?.first && toAddress.count >= limits.maxCodesPerAddressPerHour) {
    return NotificationErrors.tooManyCodes(secondsUntil(new Date(new Date(toAddress.first).getTime() + 3_600_000)));
  }
  if (byUser?.first && byUser.count >= limits.maxCodesPerUserPerHour) {
    return NotificationErrors.tooManyCodes(secondsUntil(new Date(new Date(byUser.first).getTime() + 3_600_000)));
  }
  return undefined;
}

/** A pending code, as stored. */
export interface PendingCode {
  codeHash: string;
  attempts: number;
  expiresAt: Date;
}

/**
 * Whether `code` verifies the channel: `wrong` counts an attempt; every other
 * answer but `valid` asks for a new code (attempts are checked before expiry,
 * expiry before the code itself).
 */
export function codeVerdict(
  channelId: string,
  code: string,
  pending: PendingCode | undefined,
  now: Date,
  maxAttempts: number,
): 'valid' | 'wrong' | 'no_code' | 'too_many_attempts' | 'expired' {
  if (!pending) return 'no_code';
  if (pending.attempts >= maxAttempts) return 'too_many_attempts';
  if (pending.expiresAt <= now) return 'expired';
  return pending.codeHash === verificationCodeHash(channelId, code) ? 'valid' : 'wrong';
}

/** The message a channel's verification test sends. */
export const PROBE_TEXT = 'StatusPage: this channel is connected. You will receive status notifications here.';

/**
 * The start parameter of a Telegram channel's deep link
 * (`https://t.me/<bot>?start=<this>`): an HMAC of the channel id, so only the
 * channel's owner (who reads it in the verification answer) can give it to
 * the chat, and the chat proves it is theirs by sending it to the bot.
 * Telegram allows 1–64 characters `A-Za-z0-9_-`.
 */
export function telegramStartParameter(channelId: string, secret: string): string {
  return createHmac('sha256', secret).update(`telegram-start:${channelId}`).digest('base64url').slice(0, 32);
}

/** Why a Telegram chat is not verified yet: it has not sent the channel's start parameter; how to send it. */
export function telegramNotStartedReason(start: string, botUsername: string | undefined): string {
  const link = botUsername
    ? `open https://t.me/${botUsername}?start=${start} in the chat and press Start`
    : `send /start ${start} to the bot from the chat`;
  return `this chat has not confirmed the channel yet — ${link} (in a group or channel, post /start ${start}), then try again`;
}

/** What follows a failed probe's reason: for Telegram with a known bot, the deep link to press Start on. */
export function probeFailureHint(type: ChannelType, start: string, botUsername: string | undefined): string {
  return type === 'telegram' && botUsername
    ? ` — open https://t.me/${botUsername}?start=${start} and press Start, then try again`
    : '';
}

// ---- HTTP channels (signed webhooks, Slack, Discord, Teams)

/** The channel types delivered by an HTTP POST of our own JSON, counted and disabled after repeated failures. */
export const httpChannelTypes: ReadonlySet<ChannelType> = new Set<ChannelType>([
  'webhook',
  'slack',
  'discord',
  'teams',
]);

/** Deliveries in a row that failed for good after which an HTTP channel is disabled (its owner is told). */
export const CONSECUTIVE_FAILURE_LIMIT = 10;

/** Whether this failure disables the channel: an HTTP channel that reached the limit, and is still enabled. */
export function disablesChannel(type: ChannelType, failuresInARow: number, enabled: boolean): boolean {
  return enabled && httpChannelTypes.has(type) && failuresInARow >= CONSECUTIVE_FAILURE_LIMIT;
}

/** The header a signed webhook carries. */
export const SIGNATURE_HEADER = 'X-StatusPage-Signature';
/** How far a receiver should accept a signature's time from its own clock (docs/api/11-webhooks.md). */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

/**
 * The `X-StatusPage-Signature` value of a webhook body: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<body>">` with the channel's secret (the scheme of Stripe's webhooks: the time is signed
 * with the body, so a captured request cannot be replayed later).
 */
export function webhookSignature(secret: string, body: string, unixSeconds: number): string {
  const t = Math.floor(unixSeconds);
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${body}`).digest('hex')}`;
}

/** The `meta.documentation` link of webhook bodies: the api's documentation, where the format is described. */
export function webhookDocumentationUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/$/, '')}/docs`;
}

/** A URL without its path and query (they may hold a webhook's token): what an e-mail may show of it. */
export function destinationOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'an invalid URL';
  }
}

// ---- one-click unsubscribe links

/** Where the api serves one-click unsubscribe (RFC 8058); the links in messages point here. */
export const UNSUBSCRIBE_PATH = '/api/v1/notifications/unsubscribe';

/** The token format; a new format gets a new prefix (and old links keep their meaning or stop working, by choice). */
const VERSION = 'v1';
/** How long an unsubscribe link works: days from the message that carried it. */
export const UNSUBSCRIBE_TOKEN_TTL_DAYS = 90;
const DAY_MS = 86_400_000;

const sign = (channelId: string, issuedDay: string, secret: string) =>
  createHmac('sha256', secret).update(`unsubscribe:${VERSION}:${channelId}:${issuedDay}`).digest('base64url');

/**
 * The token of a channel's one-click unsubscribe link:
 * `v1.<channel id>.<issue day, base 36>.<HMAC-SHA256 of those with APP_SECRET>`.
 */
export function unsubscribeToken(channelId: string, secret: string, now: Date = new Date()): string {
  const issuedDay = Math.floor(now.getTime() / DAY_MS).toString(36);
  return `${VERSION}.${channelId}.${issuedDay}.${sign(channelId, issuedDay, secret)}`;
}

/**
 * The channel a token was signed for, or null: not this format, signed with
 * none of `secrets` (the current APP_SECRET, then APP_SECRET_PREVIOUS during
 * a rotation), or older than the links' lifetime.
 */
export function verifyUnsubscribeToken(
  token: string,
  secrets: readonly string[],
  now: Date = new Date(),
): string | null {
  const [version, channelId, issuedDay, signature, ...rest] = token.split('.');
  if (version !== VERSION || rest.length > 0 || !channelId || !issuedDay || !signature) return null;
  if (!/^[0-9a-f-]{36}$/i.test(channelId) || !/^[0-9a-z]{1,8}$/.test(issuedDay)) return null;
  const age = Math.floor(now.getTime() / DAY_MS) - Number.parseInt(issuedDay, 36);
  if (age < -1 || age > UNSUBSCRIBE_TOKEN_TTL_DAYS) return null;
  const given = Buffer.from(signature);
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(sign(channelId, issuedDay, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return valid ? channelId : null;
}

// ---- account-less subscribers

/** An address as subscribers are kept: trimmed, Unicode-normalised, lower case (one subscriber per address). */
export function normalizeSubscriberEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}

/** How long a confirmation link works. */
export const CONFIRMATION_TTL_MS = 24 * 3_600_000;
/** How long an unconfirmed subscriber is kept before it is deleted. */
export const PENDING_SUBSCRIBER_LIFETIME_MS = 7 * DAY_MS;
/** Where the public page confirms and manages subscriptions; the links in e-mails point here. */
export const CONFIRM_PATH = '/subscribers/confirm';
export const MANAGE_PATH = '/subscribers/manage';

/** The keyed hash of a client ip that subscribers keep for the per-ip cap (the ip itself is never stored). */
export function subscriberIpHash(ip: string, secret: string): string {
  return createHmac('sha256', secret).update(`subscriber-ip:${ip}`).digest('hex');
}

/**
 * What subscribing an address does, given what is known of it (no answer
 * tells the caller which): a new address is created and sent a confirmation;
 * a pending one gets a new confirmation, a confirmed one its manage link —
 * each at most once per cooldown, so the form cannot flood an inbox.
 */
export function subscribeAction(
  existing: { state: 'pending' | 'confirmed'; lastMailAt: Date | null } | undefined,
  now: Date,
  cooldownSeconds: number,
): 'create' | 'resend_confirmation' | 'send_manage_link' | 'nothing' {
  if (!existing) return 'create';
  const cooling =
    existing.lastMailAt !== null && now.getTime() - existing.lastMailAt.getTime() < cooldownSeconds * 1000;
  if (cooling) return 'nothing';
  return existing.state === 'pending' ? 'resend_confirmation' : 'send_manage_link';
}

/** How a confirmation e-mail names a URL subscriber's destination: its kind and origin (never the path: it may hold a token). */
export function subscriberDestinationLabel(channel: { type: ChannelType; target: string }): string {
  const kinds: Partial<Record<ChannelType, string>> = {
    webhook: 'a webhook',
    slack: 'a Slack channel',
    discord: 'a Discord channel',
    teams: 'a Microsoft Teams channel',
  };
  return `${kinds[channel.type] ?? channel.type} at ${destinationOf(channel.target)}`;
}

/** Whether a pending confirmation token may confirm now (it is cleared when used, so it works once). */
export function confirmationValid(subscriber: { state: string; confirmExpiresAt: Date | null }, now: Date): boolean {
  return subscriber.state === 'pending' && subscriber.confirmExpiresAt !== null && subscriber.confirmExpiresAt > now;
}

/** Either every service, or a choice of services and groups (not both, not neither). */
export function subscriptionChoiceError(choice: {
  subscribe_to_all_services: boolean;
  service_ids: readonly string[];
  group_ids: readonly string[];
}): DomainError | undefined {
  const listed = choice.service_ids.length + choice.group_ids.length;
  if (choice.subscribe_to_all_services && listed > 0) return NotificationErrors.allWithIds();
  if (!choice.subscribe_to_all_services && listed === 0) return NotificationErrors.nothingChosen();
  return undefined;
}

const MANAGE_VERSION = 'm1';
const signManage = (subscriberId: string, tokenVersion: string, secret: string) =>
  createHmac('sha256', secret).update(`manage:${MANAGE_VERSION}:${subscriberId}:${tokenVersion}`).digest('base64url');

/**
 * The token of a subscriber's manage link:
 * `m1.<subscriber id>.<token version, base 36>.<HMAC-SHA256 with APP_SECRET>`.
 * It names one subscriber and stops working when the subscriber is deleted
 * (unsubscribed) or its token version is raised.
 */
export function manageToken(subscriberId: string, tokenVersion: number, secret: string): string {
  const version = tokenVersion.toString(36);
  return `${MANAGE_VERSION}.${subscriberId}.${version}.${signManage(subscriberId, version, secret)}`;
}

/** The subscriber and token version a manage token was signed for, or null (not this format, or signed by none of `secrets`). */
export function verifyManageToken(
  token: string,
  secrets: readonly string[],
): { subscriberId: string; tokenVersion: number } | null {
  const [format, subscriberId, version, signature, ...rest] = token.split('.');
  if (format !== MANAGE_VERSION || rest.length > 0 || !subscriberId || !version || !signature) return null;
  if (!/^[0-9a-f-]{36}$/i.test(subscriberId) || !/^[0-9a-z]{1,8}$/.test(version)) return null;
  const given = Buffer.from(signature);
  const valid = secrets.some((secret) => {
    const expected = Buffer.from(signManage(subscriberId, version, secret));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
  return valid ? { subscriberId, tokenVersion: Number.parseInt(version, 36) } : null;
}

// ---- subscriber import and export (CSV)

/** One line of an import: an address and what it follows (no names: every service), or why it cannot be imported. */
export type ImportLine =
  | { line: number; email: string; components: string[]; groups: string[] }
  | { line: number; error: string };

const EMAIL_COLUMNS = new Set(['email', 'e-mail', 'email address', 'recipient', 'address']);
const TYPE_COLUMNS = new Set(['type', 'method', 'mode']);
const COMPONENT_COLUMNS = new Set(['components', 'component', 'component ids', 'services', 'service']);
const GROUP_COLUMNS = new Set(['groups', 'group']);
const ALL_COLUMNS = new Set(['subscribe all', 'subscribe_all', 'all services']);
const ADDRESS = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const names = (cell: string | undefined) =>
  (cell ?? '')
    .split(/[;|\n]/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);

/**
 * The lines of a subscriber CSV (records as parsed, line numbers from 1):
 * with a header naming an `email` column (Statuspage's export, ours, or any
 * sheet with such a column; `type`/`method` must then say email, `components`
 * lists service names or ids separated by `;` or `|`, `groups` group names,
 * `subscribe all` true means every service), or without one as Statuspage's
 * import template (`email`, the address, skip confirmation, components…) or a
 * bare list of addresses. Addresses are normalised; repeated ones are invalid.
 */
export function subscriberImportLines(records: readonly (readonly string[])[]): ImportLine[] {
  const header = (records[0] ?? []).map((cell) => cell.trim().toLowerCase());
  // A first line holding an address is data (Statuspage's template starts its lines with `email`).
  const emailAt = header.some((cell) => cell.includes('@')) ? -1 : header.findIndex((cell) => EMAIL_COLUMNS.has(cell));
  const lines: ImportLine[] = [];
  const seen = new Set<string>();
  const push = (line: number, rawEmail: string | undefined, components: string[], groups: string[]) => {
    const email = normalizeSubscriberEmail(rawEmail ?? '');
    if (!email) return lines.push({ line, error: 'no e-mail address' });
    if (email.length > 254 || !ADDRESS.test(email))
      return lines.push({ line, error: `not an e-mail address: ${email}` });
    if (seen.has(email)) return lines.push({ line, error: `repeats ${email}` });
    seen.add(email);
    return lines.push({ line, email, components, groups });
  };
  if (emailAt >= 0) {
    const typeAt = header.findIndex((cell) => TYPE_COLUMNS.has(cell));
    const componentsAt = header.findIndex((cell) => COMPONENT_COLUMNS.has(cell));
    const groupsAt = header.findIndex((cell) => GROUP_COLUMNS.has(cell));
    const allAt = header.findIndex((cell) => ALL_COLUMNS.has(cell));
    records.slice(1).forEach((record, index) => {
      const line = index + 2;
      if (record.every((cell) => cell.trim() === '')) return;
      const type = typeAt >= 0 ? (record[typeAt] ?? '').trim().toLowerCase() : 'email';
      if (type !== 'email' && type !== '') {
        lines.push({ line, error: `only e-mail subscribers can be imported (this line is ${type})` });
        return;
      }
      const all = allAt >= 0 && /^(true|yes|1)$/i.test((record[allAt] ?? '').trim());
      push(
        line,
        record[emailAt],
        all || componentsAt < 0 ? [] : names(record[componentsAt]),
        all || groupsAt < 0 ? [] : names(record[groupsAt]),
      );
    });
    return lines;
  }
  records.forEach((record, index) => {
    const line = index + 1;
    if (record.every((cell) => cell.trim() === '')) return;
    const first = (record[0] ?? '').trim().toLowerCase();
    if (first === 'email') push(line, record[1], record.slice(3).flatMap(names), []);
    else if (record.length === 1 || record.slice(1).every((cell) => cell.trim() === '')) push(line, record[0], [], []);
    else lines.push({ line, error: `only e-mail subscribers can be imported (this line is ${first || 'empty'})` });
  });
  return lines;
}
