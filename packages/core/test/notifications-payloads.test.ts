import { createHmac } from 'node:crypto';
import type { EventMessagePayload } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import {
  chatMessageOf,
  clip,
  discordColours,
  discordLimits,
  discordPayload,
  probeChatMessage,
  slackLimits,
  slackPayload,
  statuspageWebhookBody,
  teamsPayload,
} from '../src/notifications';
import {
  CONSECUTIVE_FAILURE_LIMIT,
  destinationOf,
  disablesChannel,
  webhookDocumentationUrl,
  webhookSignature,
} from '../src/notifications/rules';

const baseUrl = 'https://status.example.com/';

function payload(overrides: Partial<EventMessagePayload['event']> = {}, text = 'We are looking into it.') {
  return {
    event: {
      id: '11111111-1111-4111-8111-111111111111',
      title: 'API errors',
      type: 'incident',
      status: 'investigating',
      severity: 'major',
      scheduled_start_at: null,
      scheduled_end_at: null,
      ...overrides,
    },
    text,
    services: ['API', 'Database'],
  } satisfies EventMessagePayload;
}

describe('notifications webhook signature', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 of the secret, hex, with the whole seconds of t', () => {
    const body = '{"a":1}';
    const header = webhookSignature('whsec_test', body, 1_767_261_602.9);
    const expected = createHmac('sha256', 'whsec_test').update(`1767261602.${body}`).digest('hex');
    expect(header).toBe(`t=1767261602,v1=${expected}`);
  });

  it('changes with the body, the time and the secret', () => {
    const base = webhookSignature('s1', 'body', 100);
    expect(webhookSignature('s1', 'body ', 100)).not.toBe(base);
    expect(webhookSignature('s1', 'body', 101)).not.toBe(base);
    expect(webhookSignature('s2', 'body', 100)).not.toBe(base);
  });
});

describe('notifications channel failures', () => {
  it('disables an enabled HTTP channel at the limit of failures in a row, never another type or a disabled one', () => {
    expect(CONSECUTIVE_FAILURE_LIMIT).toBe(10);
    for (const type of ['webhook', 'slack', 'discord', 'teams'] as const) {
      expect(disablesChannel(type, 9, true)).toBe(false);
      expect(disablesChannel(type, 10, true)).toBe(true);
      expect(disablesChannel(type, 11, false)).toBe(false);
    }
    for (const type of ['email', 'telegram', 'mattermost'] as const)
      expect(disablesChannel(type, 50, true)).toBe(false);
  });

  it('shows only the origin of a destination (paths hold webhook tokens)', () => {
    expect(destinationOf('https://hooks.slack.com/services/T0/B0/secret-token?x=1')).toBe('https://hooks.slack.com');
    expect(destinationOf('not a url')).toBe('an invalid URL');
    expect(webhookDocumentationUrl('https://status.example.com/')).toBe('https://status.example.com/docs');
  });
});

describe('notifications chat message', () => {
  it('carries the subject, status, severity, affected services and the event link', () => {
    const message = chatMessageOf('update', payload(), baseUrl);
    expect(message.title).toBe('[Update] Incident: API errors');
    expect(message.facts).toEqual([
      { name: 'Status', value: 'investigating' },
      { name: 'Severity', value: 'major' },
      { name: 'Affected', value: 'API, Database' },
    ]);
    expect(message.link?.url).toBe('https://status.example.com/events/11111111-1111-4111-8111-111111111111');
    expect(message.tone).toBe('major');
  });

  it('has the maintenance window, and tones by what happened', () => {
    const maintenance = payload({
      type: 'maintenance',
      status: 'scheduled',
      severity: null,
      scheduled_start_at: '2026-03-01T10:00:00.000Z',
      scheduled_end_at: '2026-03-01T12:00:00.000Z',
    });
    const message = chatMessageOf('initial', maintenance, baseUrl);
    expect(message.facts).toContainEqual({ name: 'Window', value: '2026-03-01 10:00 UTC – 2026-03-01 12:00 UTC' });
    expect(message.tone).toBe('info');
    expect(chatMessageOf('resolved', payload({ status: 'resolved' }), baseUrl).tone).toBe('good');
    expect(chatMessageOf('initial', payload({ severity: 'critical' }), baseUrl).tone).toBe('critical');
    expect(chatMessageOf('initial', payload({ severity: 'minor' }), baseUrl).tone).toBe('minor');
  });

  it('clips by characters, not UTF-16 units, with an ellipsis', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcd', 3)).toBe('ab…');
    expect([...clip('😀'.repeat(10), 5)]).toHaveLength(5);
  });
});

describe('notifications slack payload', () => {
  it('is a header, the facts as fields, the text and a context link, with a text fallback', () => {
    const body = slackPayload(chatMessageOf('initial', payload(), baseUrl));
    expect(body.blocks.map((block) => block.type)).toEqual(['header', 'section', 'section', 'context']);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '[New] Incident: API errors', emoji: false },
    });
    expect(body.text).toBe('[New] Incident: API errors\nWe are looking into it.');
    expect(JSON.stringify(body.blocks[3])).toContain('<https://status.example.com/events/');
  });

  it('escapes &, < and > so an update cannot mention @channel or forge a link', () => {
    const body = slackPayload(chatMessageOf('update', payload({}, 'Hi <!channel> & <https://evil|click>'), baseUrl));
    const text = JSON.stringify(body);
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('&lt;!channel&gt; &amp; &lt;https://evil|click&gt;');
  });

  it('keeps within the header and section limits', () => {
    const long = payload({ title: 'T'.repeat(400) }, 'x'.repeat(10_000));
    const body = slackPayload(chatMessageOf('update', long, baseUrl));
    const [header, , section] = body.blocks as { text: { text: string } }[];
    expect([...(header?.text.text ?? '')].length).toBe(slackLimits.header);
    expect([...(section?.text.text ?? '')].length).toBe(slackLimits.sectionText);
    expect(body.text.length).toBeLessThanOrEqual(slackLimits.fallback);
  });

  it('a probe message has only a header and its text', () => {
    const body = slackPayload(probeChatMessage('connected'));
    expect(body.blocks.map((block) => block.type)).toEqual(['header', 'section']);
  });
});

describe('notifications discord payload', () => {
  it('is one embed with title, link, description, inline fields, the colour of its tone, and no mentions', () => {
    const body = discordPayload(chatMessageOf('initial', payload({ severity: 'critical' }), baseUrl));
    expect(body.allowed_mentions).toEqual({ parse: [] });
    expect(body.embeds).toHaveLength(1);
    const [embed] = body.embeds;
    expect(embed).toMatchObject({
      title: '[New] Incident: API errors',
      url: 'https://status.example.com/events/11111111-1111-4111-8111-111111111111',
      description: 'We are looking into it.',
      color: discordColours.critical,
      footer: { text: 'StatusPage' },
    });
    expect(embed?.fields?.every((field) => field.inline)).toBe(true);
  });

  it('keeps title, description and the 6000 characters of the whole embed', () => {
    const long = payload({ title: 'T'.repeat(1000) }, 'x'.repeat(20_000));
    const message = chatMessageOf('update', long, baseUrl);
    message.facts.push(...Array.from({ length: 30 }, (_, i) => ({ name: `n${i}`, value: 'v'.repeat(2000) })));
    const [embed] = discordPayload(message).embeds;
    if (!embed) throw new Error('no embed');
    expect([...embed.title].length).toBe(discordLimits.title);
    // The facts that fit: the first ones, in order, within 25.
    expect(embed.fields?.length).toBeGreaterThan(0);
    expect(embed.fields?.length).toBeLessThanOrEqual(discordLimits.fields);
    expect(embed.fields?.[0]?.name).toBe('Status');
    for (const field of embed.fields ?? [])
      expect([...field.value].length).toBeLessThanOrEqual(discordLimits.fieldValue);
    const total =
      [...embed.title].length +
      [...(embed.description ?? '')].length +
      [...embed.footer.text].length +
      (embed.fields ?? []).reduce((sum, field) => sum + [...field.name].length + [...field.value].length, 0);
    expect(total).toBeLessThanOrEqual(discordLimits.total);
  });
});

describe('notifications teams payload', () => {
  it('is a message with one Adaptive Card 1.4: title, facts, text and a link action', () => {
    const body = teamsPayload(chatMessageOf('resolved', payload({ status: 'resolved' }), baseUrl));
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const [attachment] = body.attachments;
    expect(attachment?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    const card = attachment?.content as { type: string; version: string; body: { type: string }[]; actions: unknown[] };
    expect(card.type).toBe('AdaptiveCard');
    expect(card.version).toBe('1.4');
    expect(card.body.map((element) => element.type)).toEqual(['TextBlock', 'FactSet', 'TextBlock']);
    expect(card.body[0]).toMatchObject({ text: '[Resolved] Incident: API errors', color: 'Good', weight: 'Bolder' });
    expect(card.actions).toEqual([
      {
        type: 'Action.OpenUrl',
        title: 'View on the status page',
        url: 'https://status.example.com/events/11111111-1111-4111-8111-111111111111',
      },
    ]);
  });
});

describe('notifications statuspage webhook body', () => {
  it('is meta, page and incident, as given', () => {
    const meta = { unsubscribe: 'https://u', documentation: 'https://d', generated_at: '2026-01-01T00:00:00.000Z' };
    const page = { id: 'p', status_indicator: 'major', status_description: 'Partial System Outage' };
    const incident = { id: 'i' } as never;
    expect(statuspageWebhookBody(meta, { page, incident })).toEqual({ meta, page, incident });
  });
});

describe('notifications subscriber manage link in chats', () => {
  const manage = 'https://status.example.com/subscribers/manage?token=m1.abc';

  it('an account channel message has no manage link; a subscriber one has it in every chat format', () => {
    expect(chatMessageOf('initial', payload(), baseUrl).manage).toBeUndefined();
    const message = chatMessageOf('initial', payload(), baseUrl, manage);
    expect(message.manage).toEqual({ url: manage, label: 'Manage your subscription' });

    const slack = slackPayload(message);
    expect(slack.blocks.at(-1)).toEqual({
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: '<https://status.example.com/events/11111111-1111-4111-8111-111111111111|View on the status page>',
        },
        { type: 'mrkdwn', text: `<${manage}|Manage your subscription>` },
      ],
    });

    const [embed] = discordPayload(message).embeds;
    expect(embed?.fields?.at(-1)).toEqual({
      name: 'Subscription',
      value: `[Manage your subscription](${manage})`,
      inline: false,
    });

    const card = teamsPayload(message).attachments[0]?.content as { actions: { title: string; url: string }[] };
    expect(card.actions.map((action) => action.title)).toEqual(['View on the status page', 'Manage your subscription']);
    expect(card.actions[1]?.url).toBe(manage);
  });

  it('Discord keeps the manage link when the facts overflow the embed, within the limits', () => {
    const message = chatMessageOf('update', payload({}, 'x'.repeat(20_000)), baseUrl, manage);
    message.facts.push(...Array.from({ length: 30 }, (_, i) => ({ name: `n${i}`, value: 'v'.repeat(1000) })));
    const [embed] = discordPayload(message).embeds;
    if (!embed) throw new Error('no embed');
    expect(embed.fields?.at(-1)?.value).toBe(`[Manage your subscription](${manage})`);
    expect(embed.fields?.length).toBeLessThanOrEqual(discordLimits.fields);
    const total =
      [...embed.title].length +
      [...(embed.description ?? '')].length +
      [...embed.footer.text].length +
      (embed.fields ?? []).reduce((sum, field) => sum + [...field.name].length + [...field.value].length, 0);
    expect(total).toBeLessThanOrEqual(discordLimits.total);
  });
});
