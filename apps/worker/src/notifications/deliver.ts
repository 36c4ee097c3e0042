import { type ChannelType, type DeliveryJob, EventMessagePayload } from '@statuspage/contracts';
import {
  eventKinds,
  httpChannelTypes,
  type LoadedDelivery,
  notificationPipeline,
  type WebhookSnapshot,
} from '@statuspage/core';
import type { Database } from '@statuspage/db';
import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { Logger } from 'pino';
import type { DeliveryObserver } from '../metrics';
import { createBatcher } from './batcher';
import { type RenderSettings, renderDelivery, UnrenderableMessage } from './render-delivery';
import { type ChannelSender, SendError } from './senders/sender';

/** The delivery rows the processor reads and writes (core's); concurrent jobs share queries. */
export function createDeliveryStore(db: Database) {
  return {
    load: createBatcher((ids: number[]) => notificationPipeline.loadDeliveries(db, ids)),
    markSent: createBatcher(
      async (rows: { id: number; messageId: number; kind: string; channelType: ChannelType }[]) => {
        await notificationPipeline.markDeliveriesSent(db, rows);
        return rows.map(() => undefined);
      },
    ),
  };
}
export type DeliveryStore = ReturnType<typeof createDeliveryStore>;

export interface DeliveryDeps {
  db: Database;
  store: DeliveryStore;
  senders: Record<ChannelType, ChannelSender>;
  render: RenderSettings;
  /** NOTIFICATIONS_RETRY_MAX_ATTEMPTS: attempts recorded in PostgreSQL beyond which a delivery fails. */
  maxAttempts: number;
  /** Pauses a whole queue (a Telegram 429 is about the bot, not one chat). */
  pauseQueue(type: ChannelType, ms: number): Promise<void>;
  /** Counts final outcomes for the metrics endpoint. */
  observe?: DeliveryObserver;
  /** The event and the page in the Statuspage shapes (the body of webhook deliveries of this message). */
  webhookSnapshot?: (eventId: string, messageId: number) => Promise<WebhookSnapshot>;
}

export type DeliveryOutcome = 'sent' | 'skipped' | 'gone';

/**
 * Sends one delivery. Idempotent: a delivery that is no longer pending (sent,
 * or failed for good) is skipped. Every attempt is counted in PostgreSQL;
 * the last one (or a permanent refusal) marks the row failed with its error,
 * which is where admins see and retry it. A Telegram 429 pauses the queue for
 * `retry_after` and postpones the job by as much; that is not an attempt.
 * Secrets (verification codes, reset tokens) are removed from the message
 * once it was sent. An event message whose channel was deleted or disabled
 * after the fan-out, or whose account was deactivated, is not sent (failed,
 * with the reason). The Message-ID comes from the delivery's uid: the same on
 * every attempt, never the same for two deliveries.
 */
export async function deliver(
  deps: DeliveryDeps,
  data: DeliveryJob,
  job: Job,
  log: Logger,
  token: string | undefined,
): Promise<DeliveryOutcome> {
  const { db } = deps;
  const row: LoadedDelivery | undefined = await deps.store.load(data.delivery_id);
  if (!row) {
    log.warn({ deliveryId: data.delivery_id }, 'delivery row is gone');
    return 'gone';
  }
  if (row.uid !== data.delivery_uid) {
    log.warn(
      { deliveryId: row.id, jobUid: data.delivery_uid },
      'delivery job names another row than this database’s (a job of another database lifetime); dropped',
    );
    return 'gone';
  }
  if (row.state !== 'pending') {
    log.debug({ deliveryId: row.id, state: row.state }, 'delivery already handled; skipped');
    return 'skipped';
  }

  const giveUp = async (reason: string): Promise<never> => {
    await notificationPipeline.recordDeliveryAttempt(db, row.id, {
      state: 'failed',
      lastError: reason,
      countAttempt: false,
    });
    deps.observe?.failed(row.channelType, row.kind);
    throw new UnrecoverableError(reason);
  };
  if (eventKinds.has(row.kind)) {
    if (!row.channelId) return giveUp('the channel was deleted before delivery');
    if (!row.mayReceive) return giveUp('the channel was disabled, or its account deactivated, before delivery');
  }
  // A database failure while reading a webhook's snapshot is retried like any other (not the message's fault).
  let snapshot: WebhookSnapshot | undefined;
  try {
    snapshot = row.channelType === 'webhook' ? await webhookSnapshotOf(deps, row) : undefined;
  } catch (error) {
    if (error instanceof UnrenderableMessage) return giveUp(error.message);
    throw error;
  }
  let message: ReturnType<typeof renderDelivery>;
  try {
    message = { ...renderDelivery(deps.render, row, snapshot), id: `statuspage.delivery-${row.uid}` };
  } catch (error) {
    return giveUp((error as Error).message);
  }

  try {
    await deps.senders[row.channelType].send(row.target, message);
  } catch (thrown) {
    const error = thrown instanceof SendError ? thrown : new SendError(String((thrown as Error)?.message ?? thrown));
    if (error.retryAfterMs !== undefined) {
      // Telegram's limit is the bot's (pause the whole queue); a webhook's is its destination's (this job only).
      if (row.channelType === 'telegram') {
        log.warn({ retryAfterMs: error.retryAfterMs }, 'telegram asked us to slow down; queue paused');
        await deps.pauseQueue(row.channelType, error.retryAfterMs);
      } else log.info({ retryAfterMs: error.retryAfterMs }, 'the destination asked us to slow down; postponed');
      await notificationPipeline.recordDeliveryAttempt(db, row.id, { lastError: error.message, countAttempt: false });
      // Back to delayed until then (a postponement, not a failed attempt); its due time wakes the workers.
      await job.moveToDelayed(Date.now() + error.retryAfterMs, token);
      throw new DelayedError();
    }
    const attempt = row.attempts + 1;
    const last = error.permanent || attempt >= deps.maxAttempts || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    if (error.disableChannel && row.channelId) {
      await notificationPipeline.disableRefusingChannel(db, row.channelId);
      log.warn({ channelId: row.channelId }, 'channel refuses our messages; disabled');
    }
    // An HTTP channel's delivery that ends failed counts towards disabling the channel, in the same commit.
    const counted = last && row.channelId && httpChannelTypes.has(row.channelType) ? row.channelId : undefined;
    const disabled = await notificationPipeline.recordDeliveryAttempt(db, row.id, {
      state: last ? 'failed' : 'pending',
      lastError: error.message,
      countAttempt: true,
      ...(counted ? { channelFailure: counted } : {}),
    });
    if (disabled)
      log.warn({ channelId: row.channelId }, 'channel failed too many deliveries in a row; disabled, owner told');
    if (last) {
      deps.observe?.failed(row.channelType, row.kind);
      throw new UnrecoverableError(error.message);
    }
    throw error;
  }

  await deps.store.markSent({ id: row.id, messageId: row.messageId, kind: row.kind, channelType: row.channelType });
  deps.observe?.sent(row.channelType, row.kind, row.messageCreatedAt);
  log.debug({ deliveryId: row.id, type: row.channelType }, 'delivered');
  return 'sent';
}

/** The Statuspage snapshot a webhook delivery of an event message carries (read when it is sent). */
async function webhookSnapshotOf(deps: DeliveryDeps, row: LoadedDelivery): Promise<WebhookSnapshot | undefined> {
  if (!eventKinds.has(row.kind)) return undefined;
  const parsed = EventMessagePayload.safeParse(row.payload);
  if (!parsed.success) throw new UnrenderableMessage(`the ${row.kind} message has no usable payload`);
  if (!deps.webhookSnapshot) throw new UnrenderableMessage('this worker cannot render webhook bodies');
  return deps.webhookSnapshot(parsed.data.event.id, row.messageId);
}

/**
 * Reads a message's snapshot once for all its webhook deliveries sent within `ttlMs` (a fan-out to
 * many webhooks reads the page and the event once, not once per receiver); a failed read is
 * forgotten at once, so the retry reads again.
 */
export function snapshotsPerMessage(read: (eventId: string) => Promise<WebhookSnapshot>, ttlMs = 10_000) {
  const cache = new Map<number, { at: number; value: Promise<WebhookSnapshot> }>();
  return (eventId: string, messageId: number): Promise<WebhookSnapshot> => {
    const now = Date.now();
    for (const [key, entry] of cache) if (now - entry.at > ttlMs) cache.delete(key);
    const cached = cache.get(messageId);
    if (cached) return cached.value;
    const value = read(eventId);
    cache.set(messageId, { at: now, value });
    value.catch(() => cache.delete(messageId));
    return value;
  };
}
