import type { EventMessagePayload } from '@statuspage/contracts';
import { describe, expect, it } from 'vitest';
import {
  mattermostText,
  nameForMessage,
  renderEventMessage,
  renderPasswordReset,
  renderSubscriberConfirmation,
  renderSubscriberManage,
} from '../src/notifications/render';

const context = { baseUrl: 'https://status.example.org' };
const reset = (first_name: string) =>
  renderPasswordReset({ first_name, token: 'tok', expires_at: '2030-01-01T10:00:00.000Z' }, context);

describe('notifications names in messages', () => {
  it.each([
    ['Ada', 'Ada'],
    ['  Ada   Lovelace ', 'Ada Lovelace'],
    ['José-María', 'José-María'],
    ['Ada\nYour account is locked, sign in at', 'Ada Your account is locked, sign in at'],
    ['Ada\r\n\r\nVisit https://evil.example/login now', 'Ada Visit now'],
    ['Ada http://evil.test', 'Ada'],
    ['Ada evil.example.com', 'Ada'],
    ['Ada www.evil', 'Ada'],
    ['Ada ｅｖｉｌ．ｃｏｍ', 'Ada'],
    ['Ada sign-in@evil.com', 'Ada'],
    ['Ada\u2028line\u2029para\u0085next', 'Ada line para next'],
    ['Ada\u202egnp.exe\u200b', 'Ada'],
    ['Ada\u0000\u0007\u001b[31m', 'Ada [31m'],
    ['J. R. R. Tolkien', 'J. R. R. Tolkien'],
  ])('nameForMessage(%j) is %j', (name, expected) => {
    expect(nameForMessage(name)).toBe(expected);
  });

  it('keeps names short', () => {
    expect([...nameForMessage('A'.repeat(500))]).toHaveLength(40);
  });

  it('the password-reset e-mail greets with the cleaned name, in text and HTML', () => {
    const message = reset('Ada\n\nYour account was suspended. Restore it at https://evil.example/restore\n');
    expect(message.text.split('\n')[0]).toBe('Hello Ada Your account was suspended. Restore,');
    expect(message.text).not.toContain('evil');
    expect(message.html).not.toContain('evil');
    // Only the greeting line comes from the name: the rest of the text is ours.
    expect(message.text.split('\n')[1]).toBe('');
  });

  it('a name that is only a link greets without a name', () => {
    expect(reset('https://evil.example').text.startsWith('Hello,\n')).toBe(true);
  });
});

const payload = (title: string, text: string): EventMessagePayload => ({
  event: {
    id: '3f0b6c1e-0000-4000-8000-000000000001',
    title,
    type: 'incident',
    status: 'investigating',
    severity: 'major',
    scheduled_start_at: null,
    scheduled_end_at: null,
  },
  services: ['API @here'],
  text,
});

describe('notifications mattermost text', () => {
  it('breaks every mention with a zero-width space', () => {
    expect(mattermostText('ping @channel @all @here and @jane.doe')).toBe(
      'ping @\u200bchannel @\u200ball @\u200bhere and @\u200bjane.doe',
    );
    expect(mattermostText('mail at a @ sign')).toBe('mail at a @ sign');
  });

  it('reduces images to their alt text', () => {
    expect(mattermostText('see ![graph](https://evil.example/p.png) and ![x][ref] ![](https://t.example/a)')).toBe(
      'see graph and x ',
    );
    expect(mattermostText('odd ![broken (https://evil.example/p.png)')).toBe(
      'odd [broken (https://evil.example/p.png)',
    );
  });

  it('an event message to Mattermost carries no mention and no image from the operator', () => {
    const rendered = renderEventMessage(
      'initial',
      payload('Outage @channel', 'We are on it @all ![pixel](https://evil.example/p.png)'),
      'mattermost',
      context,
    );
    expect(rendered.text).not.toMatch(/@(channel|all|here)\b/);
    expect(rendered.text).not.toContain('![');
    expect(rendered.text).not.toContain('evil.example');
    expect(rendered.text).toContain('We are on it @\u200ball pixel');
    expect(rendered.text).toContain('Affected: API @\u200bhere');
  });
});

describe('notifications subscriber e-mails', () => {
  const token = 'abc+/=token';

  it('the confirmation e-mail links to the confirm page with its token, and says until when', () => {
    const message = renderSubscriberConfirmation({ token, expires_at: '2030-01-02T10:00:00.000Z' }, context);
    const link = 'https://status.example.org/subscribers/confirm?token=abc%2B%2F%3Dtoken';
    expect(message.subject).toBe('Confirm your status notifications');
    expect(message.text).toContain(link);
    expect(message.text).toContain('2030-01-02 10:00 UTC');
    expect(message.html).toContain(`href="${link}"`);
  });

  it('the confirmation e-mail of a URL subscriber names its destination and this address as its contact', () => {
    const plain = renderSubscriberConfirmation({ token, expires_at: '2030-01-02T10:00:00.000Z' }, context);
    expect(plain.text).toContain('status notifications at this address.');
    const message = renderSubscriberConfirmation(
      { token, expires_at: '2030-01-02T10:00:00.000Z', destination: 'a Slack channel at https://hooks.slack.com' },
      context,
    );
    expect(message.text).toContain(
      'status notifications at a Slack channel at https://hooks.slack.com, with this address as its contact.',
    );
    expect(message.html).toContain('at a Slack channel at https://hooks.slack.com, with this address as its contact');
    expect(message.text).toContain('https://status.example.org/subscribers/confirm?token=abc%2B%2F%3Dtoken');
  });

  it('the manage e-mail links to the manage page with its token', () => {
    const message = renderSubscriberManage({ token }, { baseUrl: 'https://status.example.org/' });
    expect(message.text).toContain('https://status.example.org/subscribers/manage?token=abc%2B%2F%3Dtoken');
    expect(message.html).toContain('Change what you follow or unsubscribe');
  });

  it('an event e-mail carries the manage link when it has one, before the unsubscribe link', () => {
    const payload: EventMessagePayload = {
      event: {
        id: '0b5e4c1e-7a39-4c63-9d7e-3f1f0f6f2a10',
        title: 'Slow API',
        type: 'incident',
        status: 'investigating',
        severity: 'minor',
        scheduled_start_at: null,
        scheduled_end_at: null,
      },
      text: 'Looking into it',
      services: ['API'],
    };
    const withLink = renderEventMessage('initial', payload, 'email', {
      ...context,
      manageUrl: 'https://status.example.org/subscribers/manage?token=m1.x',
      unsubscribeUrl: 'https://status.example.org/api/v1/notifications/unsubscribe?token=v1.x',
    });
    const lines = withLink.text.split('\n');
    expect(lines).toContain('Manage your subscription: https://status.example.org/subscribers/manage?token=m1.x');
    expect(lines).toContain('Unsubscribe: https://status.example.org/api/v1/notifications/unsubscribe?token=v1.x');
    expect(
      lines.indexOf('Manage your subscription: https://status.example.org/subscribers/manage?token=m1.x'),
    ).toBeLessThan(
      lines.indexOf('Unsubscribe: https://status.example.org/api/v1/notifications/unsubscribe?token=v1.x'),
    );
    expect(withLink.html).toContain('Manage your subscription');
    const without = renderEventMessage('initial', payload, 'email', context);
    expect(without.text).not.toContain('Manage your subscription');
    expect(without.html).not.toContain('Manage your subscription');
  });
});
