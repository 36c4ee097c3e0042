import { describe, expect, it } from 'vitest';
import { NotificationErrors } from '../src/notifications/errors';
import {
  CONFIRMATION_TTL_MS,
  confirmationValid,
  manageToken,
  normalizeSubscriberEmail,
  PENDING_SUBSCRIBER_LIFETIME_MS,
  subscribeAction,
  subscriberDestinationLabel,
  subscriberImportLines,
  subscriberIpHash,
  subscriptionChoiceError,
  verifyManageToken,
} from '../src/notifications/rules';

// The pure rules of account-less subscribers (notifications/rules.ts).

const secret = 'a-secret-of-sufficient-length-for-tests';
const subscriberId = '7c1f0d2e-54b3-4c8e-9a41-2f3e5d6c7b8a';
const now = new Date('2030-06-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('subscribers addresses and ips', () => {
  it('normalises an address: trimmed, lower case, one Unicode form', () => {
    expect(normalizeSubscriberEmail('  Ops@Example.COM \t')).toBe('ops@example.com');
    expect(normalizeSubscriberEmail('Ame\u0301lie@example.com')).toBe('am\u00e9lie@example.com');
  });

  it('keeps a keyed hash of the ip: stable, per secret, never the ip', () => {
    const hash = subscriberIpHash('203.0.113.9', secret);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(subscriberIpHash('203.0.113.9', secret)).toBe(hash);
    expect(subscriberIpHash('203.0.113.10', secret)).not.toBe(hash);
    expect(subscriberIpHash('203.0.113.9', `${secret}-other`)).not.toBe(hash);
  });
});

describe('subscribers subscribe action', () => {
  it('creates a new address, resends to a pending one and sends the manage link to a confirmed one', () => {
    expect(subscribeAction(undefined, now, 60)).toBe('create');
    expect(subscribeAction({ state: 'pending', lastMailAt: ago(61) }, now, 60)).toBe('resend_confirmation');
    expect(subscribeAction({ state: 'confirmed', lastMailAt: ago(61) }, now, 60)).toBe('send_manage_link');
    expect(subscribeAction({ state: 'confirmed', lastMailAt: null }, now, 60)).toBe('send_manage_link');
  });

  it('sends nothing within the cooldown since the last e-mail to the address', () => {
    expect(subscribeAction({ state: 'pending', lastMailAt: ago(59) }, now, 60)).toBe('nothing');
    expect(subscribeAction({ state: 'confirmed', lastMailAt: ago(0) }, now, 60)).toBe('nothing');
  });
});

describe('subscribers confirmation', () => {
  it('a confirmation works for 24 hours, for a pending subscriber only', () => {
    expect(CONFIRMATION_TTL_MS).toBe(24 * 3_600_000);
    expect(PENDING_SUBSCRIBER_LIFETIME_MS).toBe(7 * 86_400_000);
    const expiresAt = new Date(now.getTime() + 1000);
    expect(confirmationValid({ state: 'pending', confirmExpiresAt: expiresAt }, now)).toBe(true);
    expect(confirmationValid({ state: 'pending', confirmExpiresAt: now }, now)).toBe(false);
    expect(confirmationValid({ state: 'pending', confirmExpiresAt: null }, now)).toBe(false);
    expect(confirmationValid({ state: 'confirmed', confirmExpiresAt: expiresAt }, now)).toBe(false);
  });

  it('a choice is every service, or services and groups, never both nor neither', () => {
    const id = subscriberId;
    expect(
      subscriptionChoiceError({ subscribe_to_all_services: true, service_ids: [], group_ids: [] }),
    ).toBeUndefined();
    expect(
      subscriptionChoiceError({ subscribe_to_all_services: false, service_ids: [id], group_ids: [] }),
    ).toBeUndefined();
    expect(
      subscriptionChoiceError({ subscribe_to_all_services: false, service_ids: [], group_ids: [id] }),
    ).toBeUndefined();
    expect(subscriptionChoiceError({ subscribe_to_all_services: true, service_ids: [], group_ids: [id] })?.code).toBe(
      NotificationErrors.allWithIds().code,
    );
    expect(subscriptionChoiceError({ subscribe_to_all_services: false, service_ids: [], group_ids: [] })?.code).toBe(
      'notifications.nothing_chosen',
    );
  });
});

describe('subscribers manage tokens', () => {
  it('a manage token names its subscriber and token version', () => {
    const token = manageToken(subscriberId, 3, secret);
    expect(token).toMatch(/^m1\.[0-9a-f-]{36}\.3\.[A-Za-z0-9_-]{43}$/);
    expect(verifyManageToken(token, [secret])).toEqual({ subscriberId, tokenVersion: 3 });
  });

  it('accepts a token of the previous secret during a rotation, refuses other secrets', () => {
    const token = manageToken(subscriberId, 1, 'the-previous-secret-0123456789');
    expect(verifyManageToken(token, [secret, 'the-previous-secret-0123456789'])).toEqual({
      subscriberId,
      tokenVersion: 1,
    });
    expect(verifyManageToken(token, [secret])).toBeNull();
  });

  it('refuses changed ids, versions, signatures and other formats', () => {
    const token = manageToken(subscriberId, 1, secret);
    const [format, id, version, signature] = token.split('.');
    const otherId = '8c1f0d2e-54b3-4c8e-9a41-2f3e5d6c7b8a';
    expect(verifyManageToken([format, otherId, version, signature].join('.'), [secret])).toBeNull();
    expect(verifyManageToken([format, id, '2', signature].join('.'), [secret])).toBeNull();
    expect(verifyManageToken([format, id, version, `${signature?.slice(0, -1)}A`].join('.'), [secret])).toBeNull();
    expect(verifyManageToken(['v1', id, version, signature].join('.'), [secret])).toBeNull();
    expect(verifyManageToken(`${token}.extra`, [secret])).toBeNull();
    expect(verifyManageToken('', [secret])).toBeNull();
  });
});

describe('subscribers import lines', () => {
  it('reads a sheet with an email column, components, groups and subscribe all', () => {
    const lines = subscriberImportLines([
      ['Type', 'Email', 'Components', 'Groups', 'Subscribe all'],
      ['email', ' A@Example.com ', 'API;Web', 'Edge', 'false'],
      ['email', 'b@example.com', 'API', '', 'true'],
      ['sms', '+15555550100', '', '', ''],
      ['email', 'not-an-address', '', '', ''],
      ['email', 'a@example.com', '', '', ''],
      ['', '', '', '', ''],
    ]);
    expect(lines).toEqual([
      { line: 2, email: 'a@example.com', components: ['API', 'Web'], groups: ['Edge'] },
      { line: 3, email: 'b@example.com', components: [], groups: [] },
      { line: 4, error: 'only e-mail subscribers can be imported (this line is sms)' },
      { line: 5, error: 'not an e-mail address: not-an-address' },
      { line: 6, error: 'repeats a@example.com' },
    ]);
  });

  it("reads Statuspage's import template without a header, and a bare list of addresses", () => {
    expect(
      subscriberImportLines([
        ['email', 'a@example.com', 'yes', 'API', 'Web'],
        ['sms', '5555550100', 'US'],
      ]),
    ).toEqual([
      { line: 1, email: 'a@example.com', components: ['API', 'Web'], groups: [] },
      { line: 2, error: 'only e-mail subscribers can be imported (this line is sms)' },
    ]);
    expect(subscriberImportLines([['x@example.com'], ['Y@example.com']])).toEqual([
      { line: 1, email: 'x@example.com', components: [], groups: [] },
      { line: 2, email: 'y@example.com', components: [], groups: [] },
    ]);
  });
});

describe('subscribers destination label', () => {
  it('names the kind and the origin of a URL destination, never its path or query (they may hold a token)', () => {
    expect(subscriberDestinationLabel({ type: 'webhook', target: 'https://hooks.example.com/in/s3cr3t?k=v' })).toBe(
      'a webhook at https://hooks.example.com',
    );
    expect(subscriberDestinationLabel({ type: 'slack', target: 'https://hooks.slack.com/services/T/B/X' })).toBe(
      'a Slack channel at https://hooks.slack.com',
    );
    expect(subscriberDestinationLabel({ type: 'discord', target: 'http://127.0.0.1:8080/api/webhooks/1/abc' })).toBe(
      'a Discord channel at http://127.0.0.1:8080',
    );
    expect(subscriberDestinationLabel({ type: 'teams', target: 'https://example.webhook.office.com/x' })).toBe(
      'a Microsoft Teams channel at https://example.webhook.office.com',
    );
  });
});
