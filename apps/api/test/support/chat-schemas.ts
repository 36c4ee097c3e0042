/**
 * JSON schemas of what Slack, Discord and Microsoft Teams accept from an incoming webhook, written
 * from each platform's documentation (the subset our messages use, with the documented limits),
 * and a validator for them (api and worker tests). Sources:
 * - Slack Block Kit: https://api.slack.com/reference/block-kit/blocks (header: plain_text ≤ 150;
 *   section: text ≤ 3000, ≤ 10 fields of ≤ 2000; context: ≤ 10 elements; ≤ 50 blocks per message),
 *   composition objects https://api.slack.com/reference/block-kit/composition-objects#text.
 * - Discord: https://discord.com/developers/docs/resources/webhook#execute-webhook and the embed
 *   limits https://discord.com/developers/docs/resources/message#embed-object-embed-limits (≤ 10
 *   embeds; title 256, description 4096, ≤ 25 fields, name 256, value 1024, footer 2048, author
 *   256; 6000 characters over all texts of all embeds; colour an integer).
 * - Adaptive Cards 1.4: https://adaptivecards.io/schemas/adaptive-card.json and the Teams
 *   incoming-webhook message envelope (`type: message`, one attachment of content type
 *   `application/vnd.microsoft.card.adaptive`).
 */
import { Ajv2020 } from 'ajv/dist/2020.js';

const text = (max: number) => ({ type: 'string', minLength: 1, maxLength: max });
const slackText = (kinds: string[], max: number) => ({
  type: 'object',
  required: ['type', 'text'],
  additionalProperties: false,
  properties: {
    type: { enum: kinds },
    text: text(max),
    emoji: { type: 'boolean' },
    verbatim: { type: 'boolean' },
  },
});

export const slackMessageSchema = {
  $id: 'slack-incoming-webhook',
  type: 'object',
  required: ['text'],
  properties: {
    text: text(40_000),
    blocks: {
      type: 'array',
      maxItems: 50,
      items: {
        oneOf: [
          {
            type: 'object',
            required: ['type', 'text'],
            additionalProperties: false,
            properties: {
              type: { const: 'header' },
              text: slackText(['plain_text'], 150),
              block_id: text(255),
            },
          },
          {
            type: 'object',
            required: ['type'],
            additionalProperties: false,
            anyOf: [{ required: ['text'] }, { required: ['fields'] }],
            properties: {
              type: { const: 'section' },
              text: slackText(['plain_text', 'mrkdwn'], 3000),
              fields: { type: 'array', minItems: 1, maxItems: 10, items: slackText(['plain_text', 'mrkdwn'], 2000) },
              block_id: text(255),
            },
          },
          {
            type: 'object',
            required: ['type', 'elements'],
            additionalProperties: false,
            properties: {
              type: { const: 'context' },
              elements: { type: 'array', minItems: 1, maxItems: 10, items: slackText(['plain_text', 'mrkdwn'], 3000) },
              block_id: text(255),
            },
          },
        ],
      },
    },
  },
} as const;

const discordField = {
  type: 'object',
  required: ['name', 'value'],
  additionalProperties: false,
  properties: { name: text(256), value: text(1024), inline: { type: 'boolean' } },
};

export const discordMessageSchema = {
  $id: 'discord-execute-webhook',
  type: 'object',
  anyOf: [{ required: ['content'] }, { required: ['embeds'] }],
  properties: {
    content: { type: 'string', maxLength: 2000 },
    username: text(80),
    allowed_mentions: {
      type: 'object',
      properties: { parse: { type: 'array', items: { enum: ['roles', 'users', 'everyone'] } } },
    },
    embeds: {
      type: 'array',
      maxItems: 10,
      items: {
        type: 'object',
        additionalProperties: false,
        properties: {
          title: text(256),
          description: text(4096),
          url: { type: 'string', format: 'uri' },
          color: { type: 'integer', minimum: 0, maximum: 0xff_ff_ff },
          timestamp: { type: 'string', format: 'date-time' },
          footer: { type: 'object', required: ['text'], properties: { text: text(2048) } },
          author: { type: 'object', required: ['name'], properties: { name: text(256) } },
          fields: { type: 'array', maxItems: 25, items: discordField },
        },
      },
    },
  },
} as const;

/** Discord's limit the schema cannot say: all texts of all embeds together (title, description, fields, footer, author). */
export function discordTotalCharacters(message: { embeds?: Record<string, unknown>[] }): number {
  const length = (value: unknown) => (typeof value === 'string' ? [...value].length : 0);
  let total = 0;
  for (const embed of message.embeds ?? []) {
    total += length(embed.title) + length(embed.description);
    total += length((embed.footer as { text?: string } | undefined)?.text);
    total += length((embed.author as { name?: string } | undefined)?.name);
    for (const field of (embed.fields as { name: string; value: string }[] | undefined) ?? []) {
      total += length(field.name) + length(field.value);
    }
  }
  return total;
}

const adaptiveColour = { enum: ['Default', 'Dark', 'Light', 'Accent', 'Good', 'Warning', 'Attention'] };
const adaptiveElement = {
  oneOf: [
    {
      type: 'object',
      required: ['type', 'text'],
      properties: {
        type: { const: 'TextBlock' },
        text: { type: 'string' },
        wrap: { type: 'boolean' },
        weight: { enum: ['Default', 'Lighter', 'Bolder'] },
        size: { enum: ['Default', 'Small', 'Medium', 'Large', 'ExtraLarge'] },
        color: adaptiveColour,
        isSubtle: { type: 'boolean' },
      },
      additionalProperties: false,
    },
    {
      type: 'object',
      required: ['type', 'facts'],
      properties: {
        type: { const: 'FactSet' },
        facts: {
          type: 'array',
          items: {
            type: 'object',
            required: ['title', 'value'],
            additionalProperties: false,
            properties: { title: { type: 'string' }, value: { type: 'string' } },
          },
        },
      },
      additionalProperties: false,
    },
  ],
};

export const teamsMessageSchema = {
  $id: 'teams-adaptive-card-message',
  type: 'object',
  required: ['type', 'attachments'],
  properties: {
    type: { const: 'message' },
    attachments: {
      type: 'array',
      minItems: 1,
      maxItems: 1,
      items: {
        type: 'object',
        required: ['contentType', 'content'],
        properties: {
          contentType: { const: 'application/vnd.microsoft.card.adaptive' },
          contentUrl: { type: ['string', 'null'] },
          content: {
            type: 'object',
            required: ['type', 'version', 'body'],
            properties: {
              $schema: { const: 'http://adaptivecards.io/schemas/adaptive-card.json' },
              type: { const: 'AdaptiveCard' },
              version: { const: '1.4' },
              body: { type: 'array', minItems: 1, items: adaptiveElement },
              actions: {
                type: 'array',
                items: {
                  type: 'object',
                  required: ['type', 'url'],
                  additionalProperties: false,
                  properties: {
                    type: { const: 'Action.OpenUrl' },
                    title: { type: 'string' },
                    url: { type: 'string', format: 'uri' },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
} as const;

const ajv = new Ajv2020({ allErrors: true, strict: false });
// `format: uri` and `date-time` are checked by hand-light rules here (no ajv-formats in the worker).
ajv.addFormat('uri', /^https?:\/\/[^\s]+$/);
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
const validators = {
  slack: ajv.compile(slackMessageSchema),
  discord: ajv.compile(discordMessageSchema),
  teams: ajv.compile(teamsMessageSchema),
};

/** The schema errors of a body for a platform (empty: valid); Discord's total is checked too. */
export function chatPayloadErrors(platform: 'slack' | 'discord' | 'teams', body: unknown): string[] {
  const validate = validators[platform];
  const errors = validate(body) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
  if (platform === 'discord' && errors.length === 0) {
    const total = discordTotalCharacters(body as { embeds?: Record<string, unknown>[] });
    if (total > 6000) errors.push(`embeds total ${total} characters > 6000`);
  }
  return errors;
}
