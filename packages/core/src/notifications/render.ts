import type { ChannelDisabledPayload, ChannelType, EventMessagePayload, MessageKind } from '@statuspage/contracts';
import { CONFIRM_PATH, MANAGE_PATH } from './rules';

export interface RenderContext {
  /** Public URL of the status page (NOTIFICATIONS_BASE_URL). */
  baseUrl: string;
  /** One-click unsubscribe link of the recipient's channel (e-mail only). */
  unsubscribeUrl?: string | undefined;
  /** The manage link of an account-less subscriber (change services, unsubscribe). */
  manageUrl?: string | undefined;
}

export interface RenderedMessage {
  subject: string;
  text: string;
  /** E-mail only. */
  html?: string | undefined;
}

const escapeHtml = (value: string) =>
  value.replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/** Longest name quoted in a message. */
const NAME_LIMIT = 40;
// Anything a mail client or chat could turn into a link: a scheme, `www.`, or name.tld (also inside an address).
const LINK_LIKE = /\S*(?:[a-z][a-z0-9+.-]*:\/\/|www\.|[\p{L}\p{N}_-]\.[\p{L}\p{N}-]*\p{L}{2})\S*/giu;

/**
 * A user-chosen name as it may appear in a message: one line (control,
 * format and separator characters become spaces), without anything that
 * looks like a link or a domain (so a first name cannot carry a phishing
 * line into our own e-mails), collapsed and shortened. May be empty.
 */
export function nameForMessage(name: string): string {
  const cleaned = name
    .normalize('NFKC')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}]/gu, ' ')
    .replace(LINK_LIKE, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return [...cleaned].slice(0, NAME_LIMIT).join('').trim();
}

/**
 * Operator text for Mattermost: images are reduced to their alt text (no
 * remote image loads in every subscriber's client) and mentions are broken
 * with a zero-width space (`@channel`, `@all`, `@here`, `@someone` notify
 * nobody).
 */
export function mattermostText(text: string): string {
  return text
    .replace(/!\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/!\[([^\]]*)\]\[[^\]]*\]/g, '$1')
    .replaceAll('![', '[')
    .replace(/@(?=[\p{L}\p{N}_.-])/gu, '@\u200b');
}

const headline: Record<string, string> = {
  initial: 'New',
  update: 'Update',
  resolved: 'Resolved',
  completed: 'Completed',
  cancelled: 'Cancelled',
  reminder: 'Reminder',
};

const words = (status: string) => status.replaceAll('_', ' ');
const utc = (iso: string | null) => (iso ? `${iso.slice(0, 16).replace('T', ' ')} UTC` : '');

/** An event status in words (`in progress`). */
export const statusInWords = words;
/** A timestamp to the minute, in UTC (`2026-01-02 10:30 UTC`). */
export const utcMinute = utc;
/** Where the public page shows an event. */
export const eventLink = (baseUrl: string, eventId: string) => `${baseUrl.replace(/\/$/, '')}/events/${eventId}`;
/** The subject line of an event message: `[Update] Incident: API errors`. */
export function eventSubject(kind: MessageKind, event: EventMessagePayload['event']): string {
  const what = event.type === 'maintenance' ? 'Maintenance' : 'Incident';
  return `[${headline[kind] ?? 'Update'}] ${what}: ${event.title}`;
}

/** Renders an event message for one channel type (e-mail gets text and HTML). */
export function renderEventMessage(
  kind: MessageKind,
  payload: EventMessagePayload,
  channel: ChannelType,
  context: RenderContext,
): RenderedMessage {
  const { event } = payload;
  const link = eventLink(context.baseUrl, event.id);
  const what = event.type === 'maintenance' ? 'Maintenance' : 'Incident';
  const subject = eventSubject(kind, event);
  const lines = [
    `${what}: ${event.title}`,
    `Status: ${words(event.status)}${event.severity ? ` · severity ${event.severity}` : ''}`,
    ...(payload.services.length > 0 ? [`Affected: ${payload.services.join(', ')}`] : []),
    ...(event.scheduled_start_at
      ? [`Window: ${utc(event.scheduled_start_at)}${event.scheduled_end_at ? ` – ${utc(event.scheduled_end_at)}` : ''}`]
      : []),
    '',
    payload.text,
    '',
    `Details: ${link}`,
  ];
  if (channel === 'mattermost') {
    return { subject, text: mattermostText([`#### ${subject}`, ...lines.slice(1)].join('\n')) };
  }
  if (channel === 'telegram') return { subject, text: [subject, ...lines.slice(1)].join('\n') };
  const text = [
    ...lines,
    ...(context.manageUrl ? ['', `Manage your subscription: ${context.manageUrl}`] : []),
    ...(context.unsubscribeUrl ? ['', `Unsubscribe: ${context.unsubscribeUrl}`] : []),
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif">
<h2>${escapeHtml(subject)}</h2>
<p><strong>Status:</strong> ${escapeHtml(words(event.status))}${event.severity ? ` · severity ${escapeHtml(event.severity)}` : ''}</p>
${payload.services.length > 0 ? `<p><strong>Affected:</strong> ${escapeHtml(payload.services.join(', '))}</p>` : ''}
<p>${escapeHtml(payload.text).replaceAll('\n', '<br>')}</p>
<p><a href="${escapeHtml(link)}">View on the status page</a></p>
${context.manageUrl ? `<p style="font-size:small"><a href="${escapeHtml(context.manageUrl)}">Manage your subscription</a></p>` : ''}
${context.unsubscribeUrl ? `<p style="font-size:small"><a href="${escapeHtml(context.unsubscribeUrl)}">Unsubscribe</a></p>` : ''}
</body></html>`;
  return { subject, text, html };
}

const pageLink = (baseUrl: string, path: string, token: string) =>
  `${baseUrl.replace(/\/$/, '')}${path}?token=${encodeURIComponent(token)}`;

/** The confirmation e-mail of an account-less subscriber (its link works once, for 24 hours). */
export function renderSubscriberConfirmation(
  payload: { token: string; expires_at: string; destination?: string | undefined },
  context: RenderContext,
): RenderedMessage {
  const link = pageLink(context.baseUrl, CONFIRM_PATH, payload.token);
  const where = payload.destination ? `at ${payload.destination}, with this address as its contact` : 'at this address';
  const text = `Someone, probably you, asked to receive status notifications ${where}.\nConfirm here (the link works once, until ${utc(payload.expires_at)}):\n${link}\n\nIf it was not you, ignore this e-mail: nothing will be sent.`;
  return {
    subject: 'Confirm your status notifications',
    text,
    html: `<p>Someone, probably you, asked to receive status notifications ${escapeHtml(where)}.</p><p><a href="${escapeHtml(link)}">Confirm the subscription</a> (the link works once, until ${escapeHtml(utc(payload.expires_at))}).</p><p>If it was not you, ignore this e-mail: nothing will be sent.</p>`,
  };
}

/** The e-mail sent when a confirmed address subscribes again: its manage link. */
export function renderSubscriberManage(payload: { token: string }, context: RenderContext): RenderedMessage {
  const link = pageLink(context.baseUrl, MANAGE_PATH, payload.token);
  const text = `This address already receives status notifications.\nChange what you follow or unsubscribe here:\n${link}\n\nIf you did not ask for this, ignore this e-mail.`;
  return {
    subject: 'Manage your status notifications',
    text,
    html: `<p>This address already receives status notifications.</p><p><a href="${escapeHtml(link)}">Change what you follow or unsubscribe</a>.</p><p>If you did not ask for this, ignore this e-mail.</p>`,
  };
}

/** The e-mail with a channel verification code. */
export function renderVerification(code: string, ttlMinutes: number): RenderedMessage {
  const text = `Your StatusPage verification code is ${code}.\nIt expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this e-mail.`;
  return {
    subject: `Your verification code: ${code}`,
    text,
    html: `<p>Your StatusPage verification code is <strong>${code}</strong>.</p><p>It expires in ${ttlMinutes} minutes. If you did not ask for it, ignore this e-mail.</p>`,
  };
}

/** The password-reset e-mail. */
export function renderPasswordReset(
  payload: { first_name: string; token: string; expires_at: string },
  context: RenderContext,
): RenderedMessage {
  const link = `${context.baseUrl.replace(/\/$/, '')}/reset-password?token=${encodeURIComponent(payload.token)}`;
  const name = nameForMessage(payload.first_name);
  const greeting = name ? `Hello ${name},` : 'Hello,';
  const text = `${greeting}\n\nSomeone asked to reset the password of your StatusPage account.\nSet a new one here (the link works once, until ${utc(payload.expires_at)}):\n${link}\n\nIf it was not you, ignore this e-mail.`;
  return {
    subject: 'Reset your StatusPage password',
    text,
    html: `<p>${escapeHtml(greeting)}</p><p>Someone asked to reset the password of your StatusPage account.</p><p><a href="${escapeHtml(link)}">Set a new password</a> (the link works once, until ${escapeHtml(utc(payload.expires_at))}).</p><p>If it was not you, ignore this e-mail.</p>`,
  };
}

const channelWords: Partial<Record<ChannelType, string>> = {
  webhook: 'webhook',
  slack: 'Slack channel',
  discord: 'Discord channel',
  teams: 'Microsoft Teams channel',
  mattermost: 'Mattermost channel',
};

/** The e-mail to a channel's owner: the channel failed too often in a row and was disabled. */
export function renderChannelDisabled(payload: ChannelDisabledPayload, context: RenderContext): RenderedMessage {
  const what = channelWords[payload.channel_type] ?? `${payload.channel_type} channel`;
  const settings = `${context.baseUrl.replace(/\/$/, '')}/`;
  const lines = [
    `Your StatusPage ${what} to ${payload.destination} failed ${payload.failures} deliveries in a row, so it was disabled: it receives nothing until you enable it again.`,
    '',
    `Last error: ${payload.last_error}`,
    '',
    `Fix the receiver, then enable the channel again in your notification settings (${settings}).`,
  ];
  return {
    subject: `Your StatusPage ${what} was disabled`,
    text: lines.join('\n'),
    html: `<p>${escapeHtml(lines[0] ?? '')}</p><p><strong>Last error:</strong> ${escapeHtml(payload.last_error)}</p><p>Fix the receiver, then enable the channel again in your notification settings (<a href="${escapeHtml(settings)}">${escapeHtml(settings)}</a>).</p>`,
  };
}
