import { messageKinds } from '@statuspage/contracts';
import { sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { describe, expect, it } from 'vitest';
import {
  channelMayReceiveSql,
  channelTarget,
  codeSendRefusal,
  codeVerdict,
  directKinds,
  eventKinds,
  probeFailureHint,
  telegramNotStartedReason,
  telegramStartParameter,
  UNSUBSCRIBE_TOKEN_TTL_DAYS,
  unsubscribeToken,
  updateMessageKind,
  verificationCodeHash,
  verifyUnsubscribeToken,
} from '../src/notifications/rules';

const dialect = new PgDialect();
const channelId = '0b5e4c1e-7a39-4c63-9d7e-3f1f0f6f2a10';
const secret = 'a-secret-of-sufficient-length-for-tests';
const limits = { resendCooldownSeconds: 60, maxCodesPerAddressPerHour: 5, maxCodesPerUserPerHour: 10 };
const now = new Date('2030-06-01T12:00:00.000Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);
const DAY_MS = 86_400_000;

describe('notifications message kinds', () => {
  it('splits every kind of the contract into direct and event kinds', () => {
    expect([...directKinds].sort()).toEqual([
      'channel_disabled',
      'password_reset',
      'subscriber_confirmation',
      'subscriber_manage',
      'verification',
    ]);
    for (const kind of messageKinds) expect(directKinds.has(kind) !== eventKinds.has(kind)).toBe(true);
    expect(eventKinds.has('initial')).toBe(true);
    expect(eventKinds.has('reminder')).toBe(true);
  });

  it('queues an update only when asked, and always the closing update of a notifying event', () => {
    expect(updateMessageKind({ status: 'identified', notify: true }, false)).toBe('update');
    expect(updateMessageKind({ status: 'identified', notify: false }, true)).toBeUndefined();
    expect(updateMessageKind({ status: 'resolved', notify: false }, true)).toBe('resolved');
    expect(updateMessageKind({ status: 'completed', notify: false }, true)).toBe('completed');
    expect(updateMessageKind({ status: 'resolved', notify: false }, false)).toBeUndefined();
    expect(updateMessageKind({ status: 'completed', notify: true }, false)).toBe('completed');
  });
});

describe('notifications recipients', () => {
  it('asks enabled, verified and the owner rule of the accounts port, on unaliased channel columns', () => {
    const rule = channelMayReceiveSql({ activeAccountSql: (userId) => sql`owner_is_active(${userId})` });
    expect(dialect.sqlToQuery(rule).sql).toBe(
      '("notification_channels"."is_enabled" and "notification_channels"."is_verified" and (owner_is_active("notification_channels"."user_id") or exists (select 1 from "subscribers" as receiving_subscriber where receiving_subscriber.id = "notification_channels"."subscriber_id" and receiving_subscriber.state = \'confirmed\')))',
    );
  });
});

describe('notifications channel targets and codes', () => {
  it('stores e-mail addresses in lower case and other targets as given', () => {
    expect(channelTarget('email', 'Ops@Example.COM')).toBe('ops@example.com');
    expect(channelTarget('telegram', '@OpsChat')).toBe('@OpsChat');
    expect(channelTarget('mattermost', 'https://chat.example.com/hooks/AbC')).toBe(
      'https://chat.example.com/hooks/AbC',
    );
  });

  it('hashes a code with its channel, so one code does not verify another channel', () => {
    expect(verificationCodeHash(channelId, '123456')).toMatch(/^[0-9a-f]{64}$/);
    expect(verificationCodeHash(channelId, '123456')).not.toBe(verificationCodeHash(channelId, '123457'));
    expect(verificationCodeHash(channelId, '123456')).not.toBe(
      verificationCodeHash('1b5e4c1e-7a39-4c63-9d7e-3f1f0f6f2a10', '123456'),
    );
  });

  it('checks attempts, then expiry, then the code', () => {
    const pending = { codeHash: verificationCodeHash(channelId, '123456'), attempts: 0, expiresAt: ago(-60) };
    expect(codeVerdict(channelId, '123456', undefined, now, 5)).toBe('no_code');
    expect(codeVerdict(channelId, '123456', pending, now, 5)).toBe('valid');
    expect(codeVerdict(channelId, '000000', pending, now, 5)).toBe('wrong');
    expect(codeVerdict(channelId, '123456', { ...pending, expiresAt: now }, now, 5)).toBe('expired');
    expect(codeVerdict(channelId, '123456', { ...pending, attempts: 5 }, now, 5)).toBe('too_many_attempts');
    expect(codeVerdict(channelId, '123456', { ...pending, attempts: 5, expiresAt: ago(1) }, now, 5)).toBe(
      'too_many_attempts',
    );
  });
});

describe('notifications code sending limits', () => {
  const refusal = (...args: Parameters<typeof codeSendRefusal> extends [Date, ...infer Rest] ? Rest : never) =>
    codeSendRefusal(now, ...args);

  it('allows a first code and one after the cooldown', () => {
    expect(refusal(undefined, undefined, limits)).toBeUndefined();
    expect(refusal({ count: 0, first: null, last: null }, { count: 0, first: null }, limits)).toBeUndefined();
    expect(refusal({ count: 1, first: ago(60), last: ago(60) }, { count: 1, first: ago(60) }, limits)).toBeUndefined();
  });

  it('refuses a code within the cooldown and says how long to wait', () => {
    const error = refusal({ count: 1, first: ago(20), last: ago(20) }, { count: 1, first: ago(20) }, limits);
    expect(error?.code).toBe('notifications.resend_too_soon');
    expect(error?.retryAfterSeconds).toBe(40);
  });

  it('reads the store’s text timestamps like dates', () => {
    const error = refusal({ count: 1, first: ago(30).toISOString(), last: ago(30).toISOString() }, undefined, limits);
    expect(error?.retryAfterSeconds).toBe(30);
  });

  it('refuses the address’s sixth code of the hour until its first leaves the hour', () => {
    const error = refusal({ count: 5, first: ago(3000), last: ago(120) }, { count: 5, first: ago(3000) }, limits);
    expect(error?.code).toBe('notifications.too_many_codes');
    expect(error?.retryAfterSeconds).toBe(600);
  });

  it('refuses the user’s codes over the hourly limit, whichever addresses', () => {
    const error = refusal({ count: 0, first: null, last: null }, { count: 10, first: ago(3599.5) }, limits);
    expect(error?.code).toBe('notifications.too_many_codes');
    expect(error?.retryAfterSeconds).toBe(1);
  });
});

describe('notifications telegram start parameter', () => {
  it('is a stable 32-character Telegram start parameter per channel and secret', () => {
    const start = telegramStartParameter(channelId, secret);
    expect(start).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(telegramStartParameter(channelId, secret)).toBe(start);
    expect(telegramStartParameter(channelId, `${secret}-other`)).not.toBe(start);
  });

  it('tells how to confirm the chat, with the deep link when the bot is known', () => {
    expect(telegramNotStartedReason('abc', 'status_bot')).toBe(
      'this chat has not confirmed the channel yet — open https://t.me/status_bot?start=abc in the chat and press Start (in a group or channel, post /start abc), then try again',
    );
    expect(telegramNotStartedReason('abc', undefined)).toContain('send /start abc to the bot from the chat');
    expect(probeFailureHint('telegram', 'abc', 'status_bot')).toBe(
      ' — open https://t.me/status_bot?start=abc and press Start, then try again',
    );
    expect(probeFailureHint('telegram', 'abc', undefined)).toBe('');
    expect(probeFailureHint('mattermost', 'abc', 'status_bot')).toBe('');
  });
});

describe('notifications unsubscribe tokens', () => {
  it('verifies a token with the secret that signed it, current or previous', () => {
    const token = unsubscribeToken(channelId, secret, now);
    expect(token.startsWith(`v1.${channelId}.`)).toBe(true);
    expect(verifyUnsubscribeToken(token, [secret], now)).toBe(channelId);
    expect(verifyUnsubscribeToken(token, ['another-secret-of-sufficient-length', secret], now)).toBe(channelId);
    expect(verifyUnsubscribeToken(token, ['another-secret-of-sufficient-length'], now)).toBeNull();
  });

  it('works for its lifetime and not a day longer', () => {
    const issued = new Date(now.getTime() - UNSUBSCRIBE_TOKEN_TTL_DAYS * DAY_MS);
    expect(verifyUnsubscribeToken(unsubscribeToken(channelId, secret, issued), [secret], now)).toBe(channelId);
    const expired = new Date(now.getTime() - (UNSUBSCRIBE_TOKEN_TTL_DAYS + 1) * DAY_MS);
    expect(verifyUnsubscribeToken(unsubscribeToken(channelId, secret, expired), [secret], now)).toBeNull();
    const future = new Date(now.getTime() + 2 * DAY_MS);
    expect(verifyUnsubscribeToken(unsubscribeToken(channelId, secret, future), [secret], now)).toBeNull();
  });

  it('refuses tampered and malformed tokens', () => {
    const token = unsubscribeToken(channelId, secret, now);
    const [version, id, day, signature] = token.split('.');
    const other = '1b5e4c1e-7a39-4c63-9d7e-3f1f0f6f2a10';
    for (const bad of [
      `${version}.${other}.${day}.${signature}`,
      `v2.${id}.${day}.${signature}`,
      `${token}.extra`,
      `${version}.${id}.${day}.`,
      `${version}.not-a-uuid.${day}.${signature}`,
      `${version}.${id}.ZZ.${signature}`,
      `${version}.${id}.${day}.${signature?.slice(0, -1)}`,
      '',
    ]) {
      expect(verifyUnsubscribeToken(bad, [secret], now)).toBeNull();
    }
  });
});
