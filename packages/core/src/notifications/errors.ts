import { DomainError } from '../shared/errors';

/** The notifications module's failures. */
export const NotificationErrors = {
  channelNotFound: () => new DomainError('not_found', 'notifications.channel_not_found', 'channel not found'),
  notYourChannel: () =>
    new DomainError('forbidden', 'notifications.not_your_channel', 'this channel belongs to another user'),
  duplicateChannel: () =>
    new DomainError(
      'conflict',
      'notifications.duplicate_channel',
      'you already have a channel of this type and target',
    ),
  defaultChannel: () =>
    new DomainError('conflict', 'notifications.default_channel', 'the default e-mail channel cannot be deleted'),
  typeDisabled: (type: string) =>
    new DomainError('invalid', 'notifications.type_disabled', `${type} notifications are not enabled on this server`, [
      { field: 'type', message: `${type} notifications are not enabled on this server` },
    ]),
  codeRequired: () =>
    new DomainError(
      'invalid',
      'notifications.code_required',
      'a 6-digit code is required to verify an e-mail channel',
      [{ field: 'code', message: 'required for e-mail channels' }],
    ),
  noCodePending: () =>
    new DomainError('invalid', 'notifications.no_code', 'no verification code is pending, request a new one'),
  codeExpired: () =>
    new DomainError('invalid', 'notifications.code_expired', 'verification code expired, request a new one'),
  wrongCode: () =>
    new DomainError('invalid', 'notifications.wrong_code', 'invalid verification code', [
      { field: 'code', message: 'invalid verification code' },
    ]),
  tooManyAttempts: () =>
    new DomainError('rate_limited', 'notifications.too_many_attempts', 'too many attempts, request a new code'),
  resendTooSoon: (seconds: number) =>
    new DomainError(
      'rate_limited',
      'notifications.resend_too_soon',
      `please wait before requesting a new code (try again in ${seconds} s)`,
      undefined,
      seconds,
    ),
  tooManyCodes: (seconds: number) =>
    new DomainError(
      'rate_limited',
      'notifications.too_many_codes',
      `too many verification codes for this address or account; try again in ${seconds} s`,
      undefined,
      seconds,
    ),
  resendNotSupported: () =>
    new DomainError(
      'invalid',
      'notifications.resend_not_supported',
      'verification codes are only sent to e-mail channels',
    ),
  alreadyVerified: () => new DomainError('invalid', 'notifications.already_verified', 'channel already verified'),
  notVerified: () =>
    new DomainError('invalid', 'notifications.not_verified', 'verify the channel before managing its subscriptions'),
  allWithIds: () =>
    new DomainError(
      'invalid',
      'notifications.all_with_ids',
      'service_ids must be empty when subscribe_to_all_services is true',
      [{ field: 'service_ids', message: 'must be empty when subscribe_to_all_services is true' }],
    ),
  nothingChosen: () =>
    new DomainError(
      'invalid',
      'notifications.nothing_chosen',
      'choose every service (subscribe_to_all_services) or at least one service or group',
      [{ field: 'service_ids', message: 'choose every service or at least one service or group' }],
    ),
  unknownGroups: (ids: string[]) =>
    new DomainError('invalid', 'notifications.unknown_groups', `unknown or archived group ids: ${ids.join(', ')}`, [
      { field: 'group_ids', message: `unknown or archived group ids: ${ids.join(', ')}` },
    ]),
  subscriberLinkInvalid: () =>
    new DomainError(
      'not_found',
      'notifications.subscriber_link_invalid',
      'this link is invalid, was already used or has expired',
    ),
  tooManyPending: () =>
    new DomainError(
      'rate_limited',
      'notifications.too_many_pending',
      'too many unconfirmed subscriptions from this network; confirm one or try again later',
      undefined,
      3600,
    ),
  notAccountLess: () =>
    new DomainError(
      'conflict',
      'notifications.account_channel',
      'this is an account channel: its owner manages it (only account-less subscribers can be removed here)',
    ),
  subscriberNotFound: () => new DomainError('not_found', 'notifications.subscriber_not_found', 'subscriber not found'),
  unknownServices: (ids: string[]) =>
    new DomainError('invalid', 'notifications.unknown_services', `unknown or archived service ids: ${ids.join(', ')}`, [
      { field: 'service_ids', message: `unknown or archived service ids: ${ids.join(', ')}` },
    ]),
  addressRefused: (reason: string) =>
    new DomainError('invalid', 'notifications.address_refused', `this URL may not be called: ${reason}`, [
      { field: 'target', message: `this URL may not be called: ${reason}` },
    ]),
  destinationAddressRefused: (reason: string) =>
    new DomainError('invalid', 'notifications.address_refused', `this URL may not be called: ${reason}`, [
      { field: 'destination.url', message: `this URL may not be called: ${reason}` },
    ]),
  destinationTypeDisabled: (type: string) =>
    new DomainError('invalid', 'notifications.type_disabled', `${type} notifications are not enabled on this server`, [
      { field: 'destination.type', message: `${type} notifications are not enabled on this server` },
    ]),
  /** The confirmation link still works: the visitor fixes the receiver and follows it again. */
  destinationUnverified: (message: string) =>
    new DomainError(
      'unprocessable',
      'notifications.destination_unverified',
      `the subscription is not confirmed: ${message}; fix the receiver and follow the confirmation link again`,
    ),
  verificationFailed: (message: string) =>
    new DomainError('unprocessable', 'notifications.verification_failed', `channel verification failed: ${message}`),
  deliveryNotFound: () => new DomainError('not_found', 'notifications.delivery_not_found', 'delivery not found'),
  deliveryNotFailed: () =>
    new DomainError('conflict', 'notifications.delivery_not_failed', 'only failed deliveries can be retried'),
};
