import type { EventMessagePayload, MessageKind } from '@statuspage/contracts';
import type { WebhookSnapshot } from '../syndication';
import { eventLink, eventSubject, statusInWords, utcMinute } from './render';

// The JSON bodies of the HTTP channels, pure: Slack Block Kit, Discord embeds, a Microsoft Teams
// Adaptive Card, and the Statuspage webhook format. Each chat body is built from one neutral
// `ChatMessage`, so the three say the same thing; each keeps within its platform's documented limits.

/** How serious a message looks (the colour of a Discord embed, the style of a Teams title). */
export type ChatTone = 'good' | 'info' | 'minor' | 'major' | 'critical';

/** What a chat message says, before any platform's format. */
export interface ChatMessage {
  title: string;
  /** Label and value pairs (status, affected services, window). */
  facts: { name: string; value: string }[];
  /** The operator's text (plain; each format escapes it). */
  text: string;
  link?: { url: string; label: string } | undefined;
  /** An account-less subscriber's manage link (change services, unsubscribe). */
  manage?: { url: string; label: string } | undefined;
  tone: ChatTone;
}

/** A string cut to `max` characters (code points), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(0, max - 1)).join('')}…`;
}

function toneOf(kind: MessageKind, event: EventMessagePayload['event']): ChatTone {
  if (kind === 'resolved' || kind === 'completed' || kind === 'cancelled') return 'good';
  if (event.type === 'maintenance') return 'info';
  if (event.severity === 'critical') return 'critical';
  if (event.severity === 'minor') return 'minor';
  return 'major';
}

/**
 * An event message as a chat message: the same headline, facts, text and link as the other
 * channels, and for an account-less subscriber its manage link.
 */
export function chatMessageOf(
  kind: MessageKind,
  payload: EventMessagePayload,
  baseUrl: string,
  manageUrl?: string,
): ChatMessage {
  const { event } = payload;
  const facts = [{ name: 'Status', value: statusInWords(event.status) }];
  if (event.severity) facts.push({ name: 'Severity', value: event.severity });
  if (payload.services.length > 0) facts.push({ name: 'Affected', value: payload.services.join(', ') });
  if (event.scheduled_start_at) {
    const end = event.scheduled_end_at ? ` – ${utcMinute(event.scheduled_end_at)}` : '';
    facts.push({ name: 'Window', value: `${utcMinute(event.scheduled_start_at)}${end}` });
  }
  return {
    title: eventSubject(kind, event),
    facts,
    text: payload.text,
    link: { url: eventLink(baseUrl, event.id), label: 'View on the status page' },
    ...(manageUrl ? { manage: { url: manageUrl, label: 'Manage your subscription' } } : {}),
    tone: toneOf(kind, event),
  };
}

/** The verification test of a chat channel. */
export function probeChatMessage(text: string): ChatMessage {
  return { title: 'StatusPage', facts: [], text, tone: 'good' };
}

// ---- Slack (Block Kit: https://api.slack.com/reference/block-kit/blocks)

/** Slack's documented limits: header text 150, section text 3000, section fields 10 of 2000, context 10 elements. */
export const slackLimits = { header: 150, sectionText: 3000, field: 2000, fields: 10, fallback: 3000 } as const;

/** Slack mrkdwn treats `&`, `<` and `>` as control characters (links, `<!channel>` mentions): escaped. */
const slackEscape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** A Slack incoming-webhook body: a header, the facts as fields, the text, the link; `text` is the notification fallback. */
export function slackPayload(message: ChatMessage) {
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(message.title, slackLimits.header), emoji: false } },
  ];
  if (message.facts.length > 0) {
    blocks.push({
      type: 'section',
      fields: message.facts.slice(0, slackLimits.fields).map((fact) => ({
        type: 'mrkdwn',
        text: clip(`*${slackEscape(fact.name)}*\n${slackEscape(fact.value)}`, slackLimits.field),
      })),
    });
  }
  if (message.text.trim() !== '') {
    // Clipped before escaping could cut an entity in two: clip the escaped text instead.
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(slackEscape(message.text), slackLimits.sectionText) },
    });
  }
  const links = [message.link, message.manage].filter((link) => link !== undefined);
  if (links.length > 0) {
    blocks.push({
      type: 'context',
      elements: links.map((link) => ({ type: 'mrkdwn', text: `<${link.url}|${slackEscape(link.label)}>` })),
    });
  }
  const fallback = [message.title, message.text].filter((part) => part.trim() !== '').join('\n');
  return { text: clip(slackEscape(fallback), slackLimits.fallback), blocks };
}

// ---- Discord (embeds: https://discord.com/developers/docs/resources/message#embed-object-embed-limits)

/** Discord's documented embed limits. */
export const discordLimits = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
} as const;

/** Embed colours (RGB integers) by tone. */
export const discordColours: Record<ChatTone, number> = {
  good: 0x2e_b8_86,
  info: 0x34_98_db,
  minor: 0xf1_c4_0f,
  major: 0xe6_7e_22,
  critical: 0xe7_4c_3c,
};

/**
 * A Discord webhook body: one embed (title linking to the event, the text, the facts as inline
 * fields), within the per-field limits and the 6000 characters of all the embed's texts together
 * (the description gives way). Mentions are off, so `@everyone` in an update pings nobody.
 */
export function discordPayload(message: ChatMessage) {
  const title = clip(message.title, discordLimits.title);
  const footer = 'StatusPage';
  const length = (text: string) => [...text].length;
  let used = length(title) + length(footer);
  // The manage link first: it is how a subscriber stops these, so it is never the one dropped.
  const manage = message.manage
    ? { name: 'Subscription', value: `[${message.manage.label}](${message.manage.url})`, inline: false }
    : undefined;
  if (manage) used += length(manage.name) + length(manage.value);
  // Fields as long as they fit in the embed's total (the rest is dropped); the description gets what is left.
  const fields: { name: string; value: string; inline: boolean }[] = [];
  for (const fact of message.facts.slice(0, discordLimits.fields - (manage ? 1 : 0))) {
    const field = {
      name: clip(fact.name, discordLimits.fieldName),
      value: clip(fact.value === '' ? '—' : fact.value, discordLimits.fieldValue),
      inline: true,
    };
    const size = length(field.name) + length(field.value);
    if (used + size > discordLimits.total) break;
    fields.push(field);
    used += size;
  }
  if (manage) fields.push(manage);
  const room = Math.max(0, Math.min(discordLimits.description, discordLimits.total - used));
  const description = message.text.trim() === '' || room < 2 ? undefined : clip(message.text, room);
  return {
    allowed_mentions: { parse: [] as string[] },
    embeds: [
      {
        title,
        ...(description ? { description } : {}),
        ...(message.link ? { url: message.link.url } : {}),
        color: discordColours[message.tone],
        ...(fields.length > 0 ? { fields } : {}),
        footer: { text: footer },
      },
    ],
  };
}

// ---- Microsoft Teams (Adaptive Card 1.4 in a message: https://adaptivecards.io/explorer/)

/** Teams refuses messages over about 28 KB: the text is kept well below. */
export const teamsLimits = { text: 10_000, title: 500, factValue: 1_000 } as const;

const teamsColourOf: Record<ChatTone, string> = {
  good: 'Good',
  info: 'Accent',
  minor: 'Warning',
  major: 'Warning',
  critical: 'Attention',
};

/** A Teams incoming-webhook (Workflows) body: a message with one Adaptive Card, version 1.4. */
export function teamsPayload(message: ChatMessage) {
  const body: Record<string, unknown>[] = [
    {
      type: 'TextBlock',
      text: clip(message.title, teamsLimits.title),
      weight: 'Bolder',
      size: 'Medium',
      color: teamsColourOf[message.tone],
      wrap: true,
    },
  ];
  if (message.facts.length > 0) {
    body.push({
      type: 'FactSet',
      facts: message.facts.map((fact) => ({ title: fact.name, value: clip(fact.value, teamsLimits.factValue) })),
    });
  }
  // TextBlock text is a Markdown subset: the operator's text is shown as written, not as Markdown links.
  if (message.text.trim() !== '')
    body.push({ type: 'TextBlock', text: clip(message.text, teamsLimits.text), wrap: true });
  const content: Record<string, unknown> = {
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    type: 'AdaptiveCard',
    version: '1.4',
    body,
  };
  const links = [message.link, message.manage].filter((link) => link !== undefined);
  if (links.length > 0)
    content.actions = links.map((link) => ({ type: 'Action.OpenUrl', title: link.label, url: link.url }));
  return {
    type: 'message',
    attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content }],
  };
}

// ---- the Statuspage webhook format (https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/)

/** The `meta` object of every webhook body. */
export interface WebhookMeta {
  /**
   * Where the subscriber stops these: an account channel's one-click unsubscribe link, an
   * account-less subscriber's manage link (change services, unsubscribe).
   */
  unsubscribe: string | null;
  /** How to read and verify these requests. */
  documentation: string;
  generated_at: string;
}

/**
 * An event message in the Statuspage webhook format: `meta`, `page` (id, indicator, description)
 * and `incident` (the Statuspage incident or scheduled maintenance, updates newest first, with its
 * components), so a consumer of Statuspage webhooks reads it unchanged.
 */
export function statuspageWebhookBody(meta: WebhookMeta, snapshot: Required<WebhookSnapshot>) {
  return { meta, page: snapshot.page, incident: snapshot.incident };
}

/** The verification request of a webhook channel: `meta` and a `ping` (no page or incident). */
export function webhookProbeBody(meta: WebhookMeta, text: string) {
  return { meta, ping: { message: text } };
}
