import { createDb, type DbClient } from '@statuspage/db';
import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';

/** Where a PostgreSQL URL points, without credentials (for log lines). */
export function describeDatabase(url: string) {
  const target = new URL(url);
  return `${target.hostname}:${target.port || '5432'}${target.pathname}`;
}

/**
 * Opens the PostgreSQL pool and waits until the database answers and has the
 * schema (the worker never migrates: `pnpm db:migrate` does), logging why it
 * waits. Resolves undefined when `stopped` turns true first.
 */
export async function openDatabase(
  options: { url: string; poolSize: number; preparedStatements: boolean; logger: Logger },
  stopped: { readonly value: boolean; sleep(ms: number): Promise<void> },
): Promise<DbClient | undefined> {
  const where = describeDatabase(options.url);
  const client = await createDb({
    url: options.url,
    poolSize: options.poolSize,
    preparedStatements: options.preparedStatements,
  });
  let said: string | undefined;
  while (!stopped.value) {
    try {
      await client.db.execute(sql`select 1 from outbox limit 0`);
      options.logger.info({ database: where }, 'worker connected to PostgreSQL');
      return client;
    } catch (error) {
      // drizzle wraps the driver's error; the SQLSTATE is on its cause.
      const failure = error as { code?: string; cause?: { code?: string } };
      const missingSchema = (failure.code ?? failure.cause?.code) === '42P01';
      const message = missingSchema
        ? `the database at ${where} has no schema yet: run pnpm db:migrate`
        : `waiting for PostgreSQL at ${where}`;
      if (message !== said) options.logger.warn({ err: error, database: where }, message);
      said = message;
      await stopped.sleep(1000);
    }
  }
  await client.close();
  return undefined;
}
