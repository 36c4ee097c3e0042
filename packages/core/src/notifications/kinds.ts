import { messageKinds } from '@statuspage/contracts';

/**
 * Direct messages to one person who is waiting for them (a verification code,
 * a password reset): they go ahead of event messages, and their payload holds
 * a secret that is removed once they were sent.
 */
export const directKinds: ReadonlySet<string> = new Set<string>(['verification', 'password_reset']);

/** Every other kind tells subscribers about an event (they carry the unsubscribe link and headers). */
export const eventKinds: ReadonlySet<string> = new Set<string>(messageKinds.filter((kind) => !directKinds.has(kind)));
