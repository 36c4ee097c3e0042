import type { PasswordResetEmail } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { markOutboxProcessed, type OutboxRowRef, scrubOutboxSecret } from '../outbox/store';
import type { NotificationPorts } from './ports';
import { channelMayReceiveSql, directKinds } from './rules';
import {
  type DeliveryRef,
  deliveryOfMessage,
  findDeliveryRef,
  insertDelivery,
  insertMessage,
  insertSubscriberDeliveries,
  markSent,
  messageIdByDedupeKey,
  pendingDeliveriesOf,
  recordAttempt,
  renewDeliveryUids,
  scrubMessageSecrets,
  selectDeliveriesToSend,
  selectStalePending,
  updateChannel,
} from './store';

/**
 * The delivery lifecycle, as the worker drives it: fan-out, direct messages,
 * loading a batch to send, marking sent or failed, disabling a channel that
 * refuses us, and finding deliveries to queue again. The worker keeps BullMQ,
 * the senders and the backoff; every rule about the rows is here. Functions
 * take the db or a transaction first.
 */
export function createNotificationPipeline(ports: Pick<NotificationPorts, 'accounts'>) {
  const mayReceive = () => channelMayReceiveSql(ports.accounts);

  /**
   * Fans an event message out: one delivery row per channel of the event's
   * subscriber set that may still receive (one statement, however many
   * subscribers), committed with the outbox row marked processed — the message
   * is finished only once its deliveries exist. Running it again inserts
   * nothing new. Subscribers who joined the set after the message was written
   * do not get it. Answers the pending deliveries, to queue.
   */
  async function fanOutMessage(db: Database, outboxRow: OutboxRowRef, messageId: number): Promise<DeliveryRef[]> {
    await db.transaction(async (tx) => {
      await insertSubscriberDeliveries(tx, messageId, mayReceive());
      await markOutboxProcessed(tx, outboxRow);
    });
    return pendingDeliveriesOf(db, messageId);
  }

  /**
   * Turns a password-reset request into its message and e-mail delivery
   * (idempotently: the message is keyed by the outbox row's uid) and marks the
   * row processed, in one transaction. The token leaves the outbox row here and
   * the message once it was sent.
   */
  async function createPasswordResetDelivery(db: Database, outboxRow: OutboxRowRef, payload: PasswordResetEmail) {
    const dedupeKey = `outbox-${outboxRow.uid}`;
    return db.transaction(async (tx) => {
      await insertMessage(tx, {
        kind: 'password_reset',
        dedupeKey,
        payload: { first_name: payload.first_name, token: payload.token, expires_at: payload.expires_at },
      });
      await scrubOutboxSecret(tx, outboxRow.id);
      const messageId = await messageIdByDedupeKey(tx, dedupeKey);
      if (messageId === undefined) throw new Error(`message ${dedupeKey} vanished`);
      await insertDelivery(tx, { messageId, channelType: 'email', target: payload.email }, true);
      await markOutboxProcessed(tx, outboxRow);
      return deliveryOfMessage(tx, messageId);
    });
  }

  /** A delivery whose row already exists (a verification code, an admin retry), with its state and kind. */
  function deliveryToQueue(db: Database, deliveryId: number) {
    return findDeliveryRef(db, deliveryId);
  }

  /**
   * Deliveries to send, in the order asked (undefined where a row is gone),
   * with what rendering needs and `mayReceive`: the one rule (enabled,
   * verified, active owner), asked again at send time.
   */
  async function loadDeliveries(db: Database, ids: readonly number[]) {
    const rows = await selectDeliveriesToSend(db, ids, mayReceive());
    const byId = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => byId.get(id));
  }

  /** Marks deliveries sent (one more attempt) and removes the secrets of the direct messages among them. */
  async function markDeliveriesSent(db: Database, sent: readonly { id: number; messageId: number; kind: string }[]) {
    const now = new Date();
    const ids = sent.map((row) => row.id);
    const secretMessages = [...new Set(sent.filter((row) => directKinds.has(row.kind)).map((row) => row.messageId))];
    if (secretMessages.length === 0) {
      await markSent(db, ids, now);
      return;
    }
    await db.transaction(async (tx) => {
      await markSent(tx, ids, now);
      await scrubMessageSecrets(tx, secretMessages);
    });
  }

  /** Records a failed attempt (or a postponement) of a pending delivery; `failed` ends it. */
  async function recordDeliveryAttempt(
    db: Database,
    id: number,
    values: { state?: 'pending' | 'failed'; lastError: string; countAttempt: boolean },
  ) {
    await recordAttempt(db, id, values, new Date());
  }

  /** Turns off a channel that refuses our messages for good (a chat that blocked the bot). */
  async function disableRefusingChannel(db: Database, channelId: string) {
    await updateChannel(db, channelId, { isEnabled: false, updatedAt: new Date() });
  }

  /** Gives pending deliveries new uids (so new job ids), e.g. when Redis holds their ids for other rows. */
  async function renameDeliveries(db: Database, ids: readonly number[]): Promise<DeliveryRef[]> {
    if (ids.length === 0) return [];
    return renewDeliveryUids(db, ids);
  }

  /** Pending deliveries untouched since `before` (their jobs may be lost), oldest first, with their kind. */
  function stalePendingDeliveries(db: Database, before: Date, limit: number) {
    return selectStalePending(db, before, limit);
  }

  return {
    fanOutMessage,
    createPasswordResetDelivery,
    deliveryToQueue,
    loadDeliveries,
    markDeliveriesSent,
    recordDeliveryAttempt,
    disableRefusingChannel,
    renameDeliveries,
    stalePendingDeliveries,
  };
}
export type NotificationPipeline = ReturnType<typeof createNotificationPipeline>;
export type LoadedDelivery = NonNullable<Awaited<ReturnType<NotificationPipeline['loadDeliveries']>>[number]>;
export type { DeliveryRef };
