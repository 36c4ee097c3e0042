import { randomBytes, randomInt } from 'node:crypto';
import type { NotificationChannel } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { writeOutbox } from '../outbox/write';
import type { DomainError } from '../shared/errors';
import { NotificationErrors } from './errors';
import { discordPayload, probeChatMessage, slackPayload, teamsPayload, webhookProbeBody } from './payloads';
import { type NotificationDeps, ProbeFailure } from './ports';
import {
  codeSendRefusal,
  codeVerdict,
  PROBE_TEXT,
  probeFailureHint,
  SIGNATURE_HEADER,
  telegramNotStartedReason,
  telegramStartParameter,
  verificationCodeHash,
  webhookDocumentationUrl,
  webhookSignature,
} from './rules';
import {
  type ChannelRow,
  codeSendsByUser,
  codeSendsToAddress,
  deletePendingCode,
  insertDelivery,
  insertMessage,
  lockCodeSenders,
  lockPendingCode,
  ownChannel,
  pruneCodeSends,
  recordCodeSend,
  setCodeAttempts,
  updateChannel,
  upsertPendingCode,
} from './store';
import { toChannelDto } from './views';

// Verifying a channel: e-mail codes (their limits, sending, checking) and test messages to chats.

const HOUR_MS = 3_600_000;

/** A new webhook signing secret (random; the HMAC-SHA256 key of `X-StatusPage-Signature`). */
export function newSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

/** The account of a channel that is verified by code (an account-less subscriber's is confirmed by its link instead). */
function accountOf(channel: ChannelRow): string {
  if (!channel.userId)
    throw new Error(`channel ${channel.id} has no account: it is confirmed by its subscriber's link`);
  return channel.userId;
}

/**
 * Why no code may go to this channel's address now (undefined: one may; the
 * rule is `codeSendRefusal`). Counted over every code ever sent
 * (`verification_sends`), so deleting and re-creating a channel resets
 * nothing. Takes transaction locks on the user and the address, so
 * concurrent requests are counted one after the other.
 */
export async function sendRefusal(
  deps: NotificationDeps,
  tx: Database,
  channel: ChannelRow,
): Promise<DomainError | undefined> {
  const userId = accountOf(channel);
  await lockCodeSenders(tx, userId, channel.target);
  const now = deps.clock();
  const hourAgo = new Date(now.getTime() - HOUR_MS);
  await pruneCodeSends(tx, new Date(now.getTime() - 24 * HOUR_MS));
  const toAddress = await codeSendsToAddress(tx, channel.target, hourAgo);
  const byUser = await codeSendsByUser(tx, userId, hourAgo);
  return codeSendRefusal(now, toAddress, byUser, deps.settings);
}

/** Issues a new code for an e-mail channel and queues the e-mail (high priority), in the caller's transaction. */
export async function sendCode(deps: NotificationDeps, tx: Database, channel: ChannelRow) {
  const now = deps.clock();
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await recordCodeSend(tx, { target: channel.target, userId: accountOf(channel), sentAt: now });
  await upsertPendingCode(tx, {
    channelId: channel.id,
    codeHash: verificationCodeHash(channel.id, code),
    expiresAt: new Date(now.getTime() + deps.settings.codeTtlSeconds * 1000),
    sentAt: now,
  });
  const messageId = await insertMessage(tx, { kind: 'verification', payload: { code } });
  if (messageId === undefined) throw new Error('insert returned no row');
  const deliveryId = await insertDelivery(tx, {
    messageId,
    channelId: channel.id,
    channelType: channel.type,
    target: channel.target,
  });
  if (deliveryId === undefined) throw new Error('insert returned no row');
  await writeOutbox(tx, 'notification.deliver', { delivery_id: deliveryId, priority: 'high' });
}

const codeFailures = {
  no_code: NotificationErrors.noCodePending,
  too_many_attempts: NotificationErrors.tooManyAttempts,
  expired: NotificationErrors.codeExpired,
  wrong: NotificationErrors.wrongCode,
};

/** Verifies an e-mail channel by its pending code; a wrong code is counted (committed) before it is refused. */
async function verifyByCode(deps: NotificationDeps, id: string, code: string): Promise<NotificationChannel> {
  const outcome = await deps.db.transaction(async (tx) => {
    const pending = await lockPendingCode(tx, id);
    const verdict = codeVerdict(id, code, pending, deps.clock(), deps.settings.maxCodeAttempts);
    if (verdict === 'wrong' && pending) await setCodeAttempts(tx, id, pending.attempts + 1);
    if (verdict !== 'valid') return codeFailures[verdict]();
    await deletePendingCode(tx, id);
    return updateChannel(tx, id, { isVerified: true, updatedAt: deps.clock() });
  });
  if (outcome instanceof Error) throw outcome;
  if (!outcome) throw NotificationErrors.channelNotFound();
  return toChannelDto(outcome);
}

/** The test request of a Slack, Discord, Teams or signed webhook channel (the webhook's is signed like every delivery). */
export function probeRequest(deps: Pick<NotificationDeps, 'baseUrl' | 'clock'>, channel: ChannelRow) {
  const chat = probeChatMessage(PROBE_TEXT);
  if (channel.type === 'slack') return { body: JSON.stringify(slackPayload(chat)) };
  if (channel.type === 'discord') return { body: JSON.stringify(discordPayload(chat)) };
  if (channel.type === 'teams') return { body: JSON.stringify(teamsPayload(chat)) };
  if (channel.type !== 'webhook' || !channel.signingSecret)
    throw new Error(`no test request for a ${channel.type} channel`);
  const now = deps.clock();
  const meta = {
    unsubscribe: null,
    documentation: webhookDocumentationUrl(deps.baseUrl),
    generated_at: now.toISOString(),
  };
  const body = JSON.stringify(webhookProbeBody(meta, PROBE_TEXT));
  return { body, headers: { [SIGNATURE_HEADER]: webhookSignature(channel.signingSecret, body, now.getTime() / 1000) } };
}

/**
 * Verifies a chat channel by a test message that must go through; a Telegram
 * chat must first have sent the channel's start parameter (the deep link).
 */
async function verifyByProbe(deps: NotificationDeps, channel: ChannelRow): Promise<NotificationChannel> {
  const botUsername = deps.settings.telegramBotUsername;
  try {
    if (channel.type === 'telegram') {
      // A test message going through proves only that the chat talks to the bot, not that it is the
      // caller's: the chat must have sent this channel's start parameter (the deep link) first.
      const start = telegramStartParameter(channel.id, deps.secret);
      if (!(await deps.probe.telegramStarted(channel.target, start))) {
        throw NotificationErrors.verificationFailed(telegramNotStartedReason(start, botUsername));
      }
      await deps.probe.telegram(channel.target, PROBE_TEXT);
    } else if (channel.type === 'mattermost') await deps.probe.mattermost(channel.target, PROBE_TEXT);
    else await deps.probe.webhook(channel.target, probeRequest(deps, channel));
  } catch (error) {
    if (error instanceof ProbeFailure) {
      const hint = probeFailureHint(channel.type, telegramStartParameter(channel.id, deps.secret), botUsername);
      throw NotificationErrors.verificationFailed(`${error.message}${hint}`);
    }
    throw error;
  }
  const row = await deps.db.transaction((tx) =>
    updateChannel(tx, channel.id, { isVerified: true, updatedAt: deps.clock() }),
  );
  if (!row) throw NotificationErrors.channelNotFound();
  return toChannelDto(row);
}

/**
 * Verifies a channel: e-mail by its code (expiring, limited attempts);
 * every other type by a test message that must go through (answered 2xx).
 */
export async function verifyChannel(
  deps: NotificationDeps,
  userId: string,
  id: string,
  code: string | undefined,
): Promise<NotificationChannel> {
  const channel = await ownChannel(deps.db, userId, id);
  if (channel.isVerified) return toChannelDto(channel);
  if (channel.type !== 'email') return verifyByProbe(deps, channel);
  if (!code) throw NotificationErrors.codeRequired();
  return verifyByCode(deps, id, code);
}

/** Sends a new code to an unverified e-mail channel, within the address's cooldown and hourly limits. */
export async function resendCode(deps: NotificationDeps, userId: string, id: string) {
  await deps.db.transaction(async (tx) => {
    const channel = await ownChannel(tx, userId, id, true);
    if (channel.type !== 'email') throw NotificationErrors.resendNotSupported();
    if (channel.isVerified) throw NotificationErrors.alreadyVerified();
    const refusal = await sendRefusal(deps, tx, channel);
    if (refusal) throw refusal;
    await sendCode(deps, tx, channel);
  });
}
