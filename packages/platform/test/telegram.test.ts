import { GrammyError, HttpError } from 'grammy';
import { describe, expect, it } from 'vitest';
import { telegramFailureOf } from '../src/telegram';

const answered = (error_code: number, description: string, parameters = {}) =>
  new GrammyError('call failed', { ok: false, error_code, description, parameters }, 'sendMessage', {});

describe('telegramFailureOf', () => {
  it('reads a 429 with its retry_after in milliseconds (1 s when Telegram gives none)', () => {
    expect(telegramFailureOf(answered(429, 'Too Many Requests', { retry_after: 7 }))).toEqual({
      kind: 'answered',
      status: 429,
      description: 'Too Many Requests',
      retryAfterMs: 7000,
    });
    expect(telegramFailureOf(answered(429, 'Too Many Requests'))).toMatchObject({ retryAfterMs: 1000 });
  });

  it('reads other answers with their status and description, without a retry time', () => {
    expect(telegramFailureOf(answered(403, 'Forbidden: bot was blocked by the user'))).toEqual({
      kind: 'answered',
      status: 403,
      description: 'Forbidden: bot was blocked by the user',
      retryAfterMs: undefined,
    });
  });

  it('reads a failed HTTP call as unreachable, and nothing else as a Telegram failure', () => {
    expect(telegramFailureOf(new HttpError('Network request failed', new Error('ECONNREFUSED')))).toEqual({
      kind: 'unreachable',
      description: 'Network request failed',
    });
    expect(telegramFailureOf(new TypeError('a bug'))).toBeUndefined();
  });
});
