import type { MessageKind } from '@statuspage/contracts';

/** Kinds that tell subscribers about an event (they carry the unsubscribe link and headers). */
export const eventKinds: ReadonlySet<string> = new Set<MessageKind>([
  'initial',
  'update',
  'resolved',
  'completed',
  'cancelled',
  'reminder',
]);

/**
 * Direct messages to one person who is waiting for them (a verification code,
 * a password reset): they go ahead of event messages, and their payload holds
 * a secret that is removed once they were sent.
 */
export const directKinds: ReadonlySet<string> = new Set<MessageKind>(['verification', 'password_reset']);
