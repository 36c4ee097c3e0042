/**
 * The worker of one test file, as the api tests have `useApiFixture`: the
 * api's use-cases over the run's database, an SMTP server, optionally a
 * Telegram Bot API and webhook receivers, and an in-process worker pointed at
 * them under the file's own queue prefix. Started before the file's tests,
 * stopped after them; read the fields inside hooks and tests only.
 */
import { createTestDatabase } from '@statuspage/db/testing';
import { afterAll, beforeAll, inject } from 'vitest';
import {
  type FakeTelegram,
  type FakeWebhooks,
  startFakeTelegram,
  startFakeWebhooks,
} from '../../../api/test/support/fakes';
import type { RunningWorker } from '../../src/worker';
import { createTestCore, startTestWorker, type TestCore, testEnv } from './harness';
import { type FakeSmtp, startFakeSmtp } from './smtp';

export interface WorkerFixture {
  t: TestCore;
  smtp: FakeSmtp;
  worker: RunningWorker;
  /** WORKER_QUEUE_PREFIX of this file's worker (its keys live under the installation's prefix of it). */
  prefix: string;
  /** The database of the worker and `t`: the run's, or the file's own (`ownDatabase`). */
  databaseUrl: string;
  /** Present when asked for (`telegram: true`): the worker's Telegram Bot API. */
  telegram: FakeTelegram;
  /** Present when asked for (`webhooks: true`): Mattermost webhook receivers. */
  webhooks: FakeWebhooks;
}

export function useWorkerFixture(options: {
  /** Part of the queue prefix: unique per file. */
  name: string;
  /** Overrides of the worker's environment; a function is read when the worker starts (after earlier hooks). */
  env?: Record<string, string> | (() => Record<string, string>);
  telegram?: boolean;
  webhooks?: boolean;
  /**
   * A migrated database of the file's own, dropped afterwards: the worker's relay and repair then see
   * only this file's rows, not what other files left pending in the run's database.
   */
  ownDatabase?: boolean;
}): WorkerFixture {
  const fixture = {
    prefix: `${inject('queuePrefix')}-${options.name}`,
    databaseUrl: inject('databaseUrl'),
  } as WorkerFixture;
  let dropDatabase: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    if (options.ownDatabase) {
      const database = await createTestDatabase(`sp_worker_${options.name.replace(/\W/g, '_')}`);
      fixture.databaseUrl = database.url;
      dropDatabase = database.drop;
    }
    const [t, smtp, telegram, webhooks] = await Promise.all([
      createTestCore(fixture.databaseUrl),
      startFakeSmtp(),
      options.telegram ? startFakeTelegram() : undefined,
      options.webhooks ? startFakeWebhooks() : undefined,
    ]);
    Object.assign(fixture, { t, smtp, telegram, webhooks });
    fixture.worker = await startTestWorker(
      testEnv({
        DATABASE_URL: fixture.databaseUrl,
        WORKER_QUEUE_PREFIX: fixture.prefix,
        NOTIFICATIONS_EMAIL_SMTP_PORT: String(smtp.port),
        ...(telegram
          ? { NOTIFICATIONS_TELEGRAM_ENABLED: 'true', NOTIFICATIONS_TELEGRAM_API_URL: telegram.apiRoot }
          : {}),
        ...(typeof options.env === 'function' ? options.env() : options.env),
      }),
    );
  });
  afterAll(async () => {
    await fixture.worker?.close();
    await Promise.all([
      fixture.t?.close(),
      fixture.smtp?.close(),
      fixture.telegram?.close(),
      fixture.webhooks?.close(),
    ]);
    await dropDatabase?.();
  });
  return fixture;
}
