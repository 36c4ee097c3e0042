import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import pLimit, { type LimitFunction } from 'p-limit';
import { IdentityErrors } from './errors';

// Argon2id (algorithm 2 of @node-rs/argon2, its default) with the library's default costs.
const options = { algorithm: 2 } as const;

export interface PasswordWorkSettings {
  /** Hashes or verifications running at once (argon2 runs on the libuv thread pool). */
  concurrency: number;
  /** Calls waiting for a slot at most; one more is refused (busy) instead of queueing. */
  maxQueued: number;
}

export interface PasswordWorkStats {
  running: number;
  queued: number;
  /** Hashes and verifications started since the process began. */
  started: number;
  /** Calls refused because the queue was full. */
  refused: number;
}

/**
 * A gate around argon2: at most `concurrency` hashes at once and a bounded
 * wait queue, so a flood of logins or resets costs a queue slot each and a
 * quick refusal once the queue is full, not a CPU that every request waits on.
 */
export function createPasswordWork(settings: PasswordWorkSettings) {
  const limit: LimitFunction = pLimit(settings.concurrency);
  let maxQueued = settings.maxQueued;
  let started = 0;
  let refused = 0;
  function run<T>(work: () => Promise<T>): Promise<T> {
    // p-limit counts a call as pending until it starts (a microtask later): bound the total.
    if (limit.activeCount + limit.pendingCount >= limit.concurrency + maxQueued) {
      refused += 1;
      return Promise.reject(IdentityErrors.busy());
    }
    return limit(() => {
      started += 1;
      return work();
    });
  }
  return {
    run,
    /** Resizes the gate (at start, from the configuration); work already queued keeps its place. */
    configure(next: PasswordWorkSettings) {
      if (next.concurrency !== limit.concurrency) limit.concurrency = next.concurrency;
      maxQueued = next.maxQueued;
    },
    stats(): PasswordWorkStats {
      return { running: limit.activeCount, queued: limit.pendingCount, started, refused };
    },
  };
}
export type PasswordWork = ReturnType<typeof createPasswordWork>;

/** The defaults: one argon2 per core, and a short queue (a few hundred ms of waiting). */
export const defaultPasswordWorkSettings = (): PasswordWorkSettings => {
  const cores = Math.max(1, availableParallelism());
  return { concurrency: cores, maxQueued: 8 * cores };
};

/**
 * The process's one gate: argon2 shares the process's thread pool, so the
 * bound is per process, whatever number of cores or apps use it.
 */
export const passwordWork = createPasswordWork(defaultPasswordWorkSettings());

/** Sets the process's argon2 concurrency and queue (the api calls it at start). */
export function configurePasswordWork(settings: PasswordWorkSettings) {
  passwordWork.configure(settings);
}

/** Hashes a password with argon2id (through the process's gate; busy when its queue is full). */
export function hashPassword(password: string): Promise<string> {
  return passwordWork.run(() => hash(password, options));
}

// Verified against when the e-mail is unknown, so a miss costs as much as a hit.
let dummyHash: Promise<string> | undefined;

/** Checks a password against a stored hash (or against a dummy hash when there is none). */
export async function verifyPassword(storedHash: string | undefined, password: string): Promise<boolean> {
  if (!storedHash) {
    dummyHash ??= hash('not-a-real-password-0000', options);
    const dummy = await dummyHash;
    await passwordWork.run(() => verify(dummy, password).catch(() => false));
    return false;
  }
  return passwordWork.run(() => verify(storedHash, password).catch(() => false));
}
