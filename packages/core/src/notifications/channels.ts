import type { CreateChannelInput, NotificationChannel } from '@statuspage/contracts';
import type { Database } from '@statuspage/db';
import { changedColumns } from '../shared/patch';
import { isUniqueViolation } from '../shared/pg-errors';
import { NotificationErrors } from './errors';
import type { NotificationDeps } from './ports';
import { channelTarget, httpChannelTypes } from './rules';
import { deleteChannel, insertChannel, ownChannel, selectUserChannels, updateChannel } from './store';
import { newSigningSecret, sendCode, sendRefusal } from './verification';
import { toChannelDto } from './views';

// A user's notification channels: listing, adding, enabling and deleting (verification: verification.ts).

/**
 * The default e-mail channel of a new account, in its transaction: unverified
 * (nobody proved the address is theirs), with its code sent when e-mail is on
 * and the address's limits allow (else the owner asks for one later).
 */
export async function createDefaultChannel(deps: NotificationDeps, tx: Database, userId: string, email: string) {
  const row = await insertChannel(
    tx,
    { userId, type: 'email', target: channelTarget('email', email), isVerified: false, isDefault: true },
    true,
  );
  if (!row || !deps.settings.availableTypes.includes('email')) return;
  if (!(await sendRefusal(deps, tx, row))) await sendCode(deps, tx, row);
}

/** The user's channels, default first, then oldest first. */
export async function listChannels(deps: NotificationDeps, userId: string): Promise<NotificationChannel[]> {
  return (await selectUserChannels(deps.db, userId)).map(toChannelDto);
}

/** Adds an unverified channel; an e-mail channel gets its code by e-mail, a webhook its random signing secret. */
export async function createChannel(
  deps: NotificationDeps,
  userId: string,
  input: CreateChannelInput,
): Promise<NotificationChannel> {
  if (!deps.settings.availableTypes.includes(input.type)) throw NotificationErrors.typeDisabled(input.type);
  const target = channelTarget(input.type, input.target);
  // Mattermost channels keep their older behaviour (refused at verification, 422).
  if (httpChannelTypes.has(input.type)) {
    const refusal = deps.probe.addressRefusal(target);
    if (refusal) throw NotificationErrors.addressRefused(refusal);
  }
  try {
    return await deps.db.transaction(async (tx) => {
      const signingSecret = input.type === 'webhook' ? newSigningSecret() : null;
      const row = await insertChannel(tx, { userId, type: input.type, target, signingSecret });
      if (!row) throw new Error('insert returned no row');
      if (row.type === 'email') {
        // Refused: the channel is not kept either (nothing changed), and the caller hears when to retry.
        const refusal = await sendRefusal(deps, tx, row);
        if (refusal) throw refusal;
        await sendCode(deps, tx, row);
      }
      return toChannelDto(row);
    });
  } catch (error) {
    if (isUniqueViolation(error)) throw NotificationErrors.duplicateChannel();
    throw error;
  }
}

/** Enables or disables a channel. Changing nothing writes nothing. */
export async function updateOwnChannel(
  deps: NotificationDeps,
  userId: string,
  id: string,
  patch: { is_enabled?: boolean | undefined },
): Promise<NotificationChannel> {
  const current = await ownChannel(deps.db, userId, id);
  const changed = changedColumns(current, { isEnabled: patch.is_enabled });
  if (Object.keys(changed).length === 0) return toChannelDto(current);
  const row = await deps.db.transaction((tx) => updateChannel(tx, id, { ...changed, updatedAt: deps.clock() }));
  if (!row) throw NotificationErrors.channelNotFound();
  return toChannelDto(row);
}

/** Deletes a channel (not the default e-mail channel). */
export async function deleteOwnChannel(deps: NotificationDeps, userId: string, id: string) {
  const row = await ownChannel(deps.db, userId, id);
  if (row.isDefault) throw NotificationErrors.defaultChannel();
  await deps.db.transaction((tx) => deleteChannel(tx, id));
}
