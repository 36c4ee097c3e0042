/**
 * The worker of one test file, as the api tests have `useApiFixture`: the
 * api's use-cases over the run's database, an SMTP server, optionally a
 * Telegram Bot API and webhook receivers, and an in-process worker pointed at
 * them under the file's own queue prefix. Started before the file's tests,
 * stopped after them; read the fields inside hooks and tests only.
 */
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
}): WorkerFixture {
  const fixture = { prefix: `${inject('queuePrefix')}-${options.name}` } as WorkerFixture;
  beforeAll(async () => {
    const [t, smtp, telegram, webhooks] = await Promise.all([
      createTestCore(),
      startFakeSmtp(),
      options.telegram ? startFakeTelegram() : undefined,
      options.webhooks ? startFakeWebhooks() : undefined,
    ]);
    Object.assign(fixture, { t, smtp, telegram, webhooks });
    fixture.worker = await startTestWorker(
      testEnv({
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
  });
  return fixture;
}
