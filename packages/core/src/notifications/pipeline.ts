import type { ChannelDisabledPayload, ChannelType, PasswordResetEmail } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { markOutboxProcessed, type OutboxRowRef, scrubOutboxSecret } from '../outbox/store';
import { writeOutbox } from '../outbox/write';
import type { NotificationPorts } from './ports';
import { channelMayReceiveSql, destinationOf, directKinds, disablesChannel, httpChannelTypes } from './rules';
import {
  type ChannelRow,
  countChannelFailure,
  type DeliveryRef,
  deliveryOfMessage,
  findDeliveryRef,
  findSubscriber,
  insertDelivery,
  insertMessage,
  insertSubscriberDeliveries,
  markSent,
  messageIdByDedupeKey,
  pendingDeliveriesOf,
  recordAttempt,
  renewDeliveryUids,
  resetChannelFailures,
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

  /**
   * Marks deliveries sent (one more attempt), removes the secrets of the direct messages among them
   * and starts the failure count of their HTTP channels over.
   */
  async function markDeliveriesSent(
    db: Database,
    sent: readonly { id: number; messageId: number; kind: string; channelType?: ChannelType | undefined }[],
  ) {
    const now = new Date();
    const ids = sent.map((row) => row.id);
    const secretMessages = [...new Set(sent.filter((row) => directKinds.has(row.kind)).map((row) => row.messageId))];
    const counted = sent.filter((row) => row.channelType && httpChannelTypes.has(row.channelType)).map((row) => row.id);
    if (secretMessages.length === 0 && counted.length === 0) {
      await markSent(db, ids, now);
      return;
    }
    await db.transaction(async (tx) => {
      await markSent(tx, ids, now);
      if (secretMessages.length > 0) await scrubMessageSecrets(tx, secretMessages);
      if (counted.length > 0) await resetChannelFailures(tx, counted);
    });
  }

  /**
   * Where a channel's owner is told about the channel itself (that it was disabled): the one
   * answer to "the contact address of a channel". For an account's channel, the account's address;
   * for an account-less subscriber's, the contact address it confirmed.
   */
  async function channelContactAddress(tx: Database, channel: ChannelRow): Promise<string | undefined> {
    if (channel.userId) return ports.accounts.contactAddress(tx, channel.userId);
    if (!channel.subscriberId) return undefined;
    const subscriber = await findSubscriber(tx, channel.subscriberId);
    return subscriber?.state === 'confirmed' ? subscriber.email : undefined;
  }

  /**
   * Counts a delivery of an HTTP channel that failed for good, in the caller's transaction. The one
   * that reaches the limit (`disablesChannel`) disables the channel and queues the e-mail that
   * tells its owner (through the outbox, so a crash loses neither). Answers whether it disabled it.
   */
  async function countChannelFailureIn(tx: Database, channelId: string, lastError: string): Promise<boolean> {
    const channel = await countChannelFailure(tx, channelId);
    if (!channel || !disablesChannel(channel.type, channel.consecutiveFailures, channel.isEnabled)) return false;
    await updateChannel(tx, channel.id, { isEnabled: false, updatedAt: new Date() });
    const address = await channelContactAddress(tx, channel);
    if (!address) return true;
    const payload: ChannelDisabledPayload = {
      channel_id: channel.id,
      channel_type: channel.type,
      destination: destinationOf(channel.target),
      failures: channel.consecutiveFailures,
      last_error: lastError.slice(0, 500),
    };
    const messageId = await insertMessage(tx, { kind: 'channel_disabled', payload });
    if (messageId === undefined) throw new Error('insert returned no row');
    const deliveryId = await insertDelivery(tx, { messageId, channelType: 'email', target: address });
    if (deliveryId === undefined) throw new Error('insert returned no row');
    await writeOutbox(tx, 'notification.deliver', { delivery_id: deliveryId, priority: 'high' });
    return true;
  }

  /**
   * Records a failed attempt (or a postponement) of a pending delivery; `failed` ends it. With
   * `channelFailure`, the delivery's end and its channel's count of failures in a row
   * (`countChannelFailure`) commit together. Answers whether the channel was disabled.
   */
  async function recordDeliveryAttempt(
    db: Database,
    id: number,
    values: { state?: 'pending' | 'failed'; lastError: string; countAttempt: boolean; channelFailure?: string },
  ): Promise<boolean> {
    const { channelFailure } = values;
    if (!channelFailure || values.state !== 'failed') {
      await recordAttempt(db, id, values, new Date());
      return false;
    }
    return db.transaction(async (tx) => {
      await recordAttempt(tx, id, values, new Date());
      return countChannelFailureIn(tx, channelFailure, values.lastError);
    });
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
    channelContactAddress,
    disableRefusingChannel,
    renameDeliveries,
    stalePendingDeliveries,
  };
}
export type NotificationPipeline = ReturnType<typeof createNotificationPipeline>;
export type LoadedDelivery = NonNullable<Awaited<ReturnType<NotificationPipeline['loadDeliveries']>>[number]>;
export type { DeliveryRef };
