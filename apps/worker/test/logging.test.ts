import { Writable } from 'node:stream';
import { createDb, type DbClient } from '@statuspage/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createWorkerLogger } from '../src/logger';

let client: DbClient;
beforeAll(async () => {
  client = await createDb({ url: inject('databaseUrl'), poolSize: 1 });
});
afterAll(async () => {
  await client?.close();
});

describe('worker logging', () => {
  it('logs a failed query with its SQL but never the values it carried (a reset token, an address)', async () => {
    const lines: string[] = [];
    const logger = createWorkerLogger(
      'info',
      new Writable({
        write(chunk, _encoding, callback) {
          lines.push(String(chunk));
          callback();
        },
      }),
    );
    const token = 'reset-token-s3cr3t-0123456789';
    const failure = await client.db
      .execute(sql`insert into outbox (kind, payload) values (${'email.password_reset'}, ${token}::int)`)
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failure).toBeInstanceOf(Error);
    // Drizzle puts the parameters in the message: the serializer must take them out.
    expect(String((failure as Error).message)).toContain(token);
    logger.error({ err: failure }, 'delivery bookkeeping failed');
    const logged = lines.join('');
    expect(logged).toContain('insert into outbox');
    expect(logged).not.toContain(token);
  });
});
