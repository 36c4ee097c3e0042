import { queueNames } from '@statuspage/contracts';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { telegramFailures } from '../../api/test/support/fakes';
import { createMattermostSender } from '../src/notifications/senders/mattermost';
import { SendError } from '../src/notifications/senders/sender';
import { useWorkerFixture } from './support/fixture';
import {
  addVerifiedChannel,
  confirmedSubscriber,
  createService,
  deliveriesOf,
  openIncident,
  registerUser,
  settled,
  subscribe,
  unique,
  waitFor,
  workerPrefix,
} from './support/harness';
import { parse, type ReceivedMail } from './support/smtp';

const f = useWorkerFixture({ name: 'faults', telegram: true, webhooks: true });
let operatorId: string;

beforeAll(async () => {
  operatorId = (await registerUser(f.t, unique('operator'))).id;
});

/** A user whose default e-mail channel follows a new service, and an incident on it. */
async function incidentFor(setup: (user: Awaited<ReturnType<typeof registerUser>>) => Promise<void> | void) {
  const service = await createService(f.t, operatorId);
  const user = await registerUser(f.t);
  await subscribe(f.t, user.id, user.defaultChannel.id, [service.id]);
  await setup(user);
  const incident = await openIncident(f.t, operatorId, [service.id]);
  return { user, service, incident };
}

describe('delivery faults', () => {
  it('delivers on the third attempt, once, when the SMTP server refuses the first two', async () => {
    const { user } = await incidentFor((user) => f.smtp.refuse(user.email, 2, 451));
    const [row] = await settled(f.t, { targets: [user.email] }, 1);
    expect(row).toMatchObject({ state: 'sent', attempts: 3, last_error: null });
    expect(f.smtp.attempts(user.email)).toBe(3);
    expect(f.smtp.to(user.email)).toHaveLength(1);
  });

  it('delivers to an account-less subscriber on the third attempt, once, with its manage link, when SMTP refuses the first two', async () => {
    const service = await createService(f.t, operatorId);
    const subscriber = await confirmedSubscriber(f.t, [service.id]);
    f.smtp.refuse(subscriber.email, 2, 451);
    await openIncident(f.t, operatorId, [service.id]);
    const [row] = await settled(f.t, { targets: [subscriber.email] }, 1);
    expect(row).toMatchObject({ state: 'sent', attempts: 3, last_error: null, channel_id: subscriber.channelId });
    expect(f.smtp.attempts(subscriber.email)).toBe(3);
    const mails = f.smtp.to(subscriber.email);
    expect(mails).toHaveLength(1);
    const mail = await parse(mails[0] as ReceivedMail);
    expect(mail.text).toMatch(
      /Manage your subscription: https:\/\/status\.example\.test\/subscribers\/manage\?token=m1\./,
    );
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
  });

  it('marks a delivery that keeps failing as failed with its last error, and an admin retry sends it', async () => {
    const { user } = await incidentFor((user) => f.smtp.refuseAlways(user.email, 451));
    const [row] = await settled(f.t, { targets: [user.email] }, 1);
    expect(row).toMatchObject({ state: 'failed', attempts: 3 });
    expect(row?.last_error).toMatch(/451/);
    expect(f.smtp.attempts(user.email)).toBe(3);
    expect(f.smtp.to(user.email)).toHaveLength(0);

    const listed = await f.t.core.deliveries.list({
      state: 'failed',
      channel_id: user.defaultChannel.id,
      limit: 10,
      offset: 0,
    });
    expect(listed.deliveries).toMatchObject([{ id: row?.id, attempts: 3, last_error: row?.last_error }]);

    f.smtp.accept(user.email);
    await f.t.core.deliveries.retry(row?.id ?? 0);
    await waitFor('the retried delivery', async () => {
      const [retried] = await deliveriesOf(f.t, { targets: [user.email] });
      return retried?.state === 'sent' ? retried : undefined;
    });
    expect(f.smtp.to(user.email)).toHaveLength(1);
    const [sent] = await deliveriesOf(f.t, { targets: [user.email] });
    expect(sent).toMatchObject({ state: 'sent', attempts: 1, last_error: null });
  });

  it('fails at once, without retries, when the SMTP server rejects the message for good (5xx)', async () => {
    const { user } = await incidentFor((user) => f.smtp.refuseAlways(user.email, 550));
    const [row] = await settled(f.t, { targets: [user.email] }, 1);
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row?.last_error).toMatch(/550/);
    expect(f.smtp.attempts(user.email)).toBe(1);
  });

  it('honours a Telegram 429 retry_after: pauses, then sends once without spending an attempt', async () => {
    const chatId = String(710_000_000 + Math.floor(Math.random() * 1_000_000));
    const service = await createService(f.t, operatorId);
    const user = await registerUser(f.t);
    const channel = await addVerifiedChannel(f.t, user.id, 'telegram', chatId);
    await subscribe(f.t, user.id, channel.id, [service.id]);
    f.telegram.failTimes(chatId, telegramFailures.tooManyRequests(1), 1);
    await openIncident(f.t, operatorId, [service.id]);

    const [row] = await settled(f.t, { targets: [chatId] }, 1);
    expect(row).toMatchObject({ state: 'sent', attempts: 1, last_error: null });
    const [refused, accepted] = f.telegram.messages(chatId);
    expect(f.telegram.messages(chatId)).toHaveLength(2);
    const waited = (accepted?.at.getTime() ?? 0) - (refused?.at.getTime() ?? 0);
    expect(waited).toBeGreaterThanOrEqual(950);
    // …and not much more: the postponed job's due time wakes the f.worker.
    expect(waited).toBeLessThan(2500);
  });

  it('disables a Telegram channel whose chat blocked the bot and fails the delivery without retrying', async () => {
    const chatId = String(720_000_000 + Math.floor(Math.random() * 1_000_000));
    const service = await createService(f.t, operatorId);
    const user = await registerUser(f.t);
    const channel = await addVerifiedChannel(f.t, user.id, 'telegram', chatId);
    await subscribe(f.t, user.id, channel.id, [service.id]);
    f.telegram.fail(chatId, telegramFailures.botBlocked);
    await openIncident(f.t, operatorId, [service.id]);

    const [row] = await settled(f.t, { targets: [chatId] }, 1);
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row?.last_error).toContain('403');
    expect(f.telegram.messages(chatId)).toHaveLength(1);
    const [after] = await f.t.core.channels.list(user.id).then((list) => list.filter((c) => c.id === channel.id));
    expect(after?.is_enabled).toBe(false);
  });

  it('retries a Mattermost webhook that answers 503 and gives up on one that answers 404', async () => {
    const service = await createService(f.t, operatorId);
    const flaky = f.webhooks.url();
    const gone = f.webhooks.url();
    for (const hook of [flaky, gone]) {
      const user = await registerUser(f.t);
      const channel = await addVerifiedChannel(f.t, user.id, 'mattermost', hook);
      await subscribe(f.t, user.id, channel.id, [service.id]);
    }
    f.webhooks.failTimes(flaky, 503, 1);
    f.webhooks.fail(gone, 404);
    await openIncident(f.t, operatorId, [service.id]);

    const rows = await settled(f.t, { targets: [flaky, gone] }, 2);
    expect(rows.find((row) => row.target === flaky)).toMatchObject({ state: 'sent', attempts: 2 });
    expect(rows.find((row) => row.target === gone)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(rows.find((row) => row.target === gone)?.last_error).toContain('404');
    expect(f.webhooks.received(flaky)).toHaveLength(2);
    expect(f.webhooks.received(gone)).toHaveLength(1);
  });

  it('refuses, for good and without calling it, a webhook on a private address outside the allowed networks', async () => {
    const hook = f.webhooks.url();
    const strict = createMattermostSender({ timeoutMs: 2000, allowedNetworks: ['10.0.0.0/8'] });
    const allowed = createMattermostSender({ timeoutMs: 2000, allowedNetworks: ['127.0.0.1/32'] });
    try {
      for (const url of [hook, hook.replace('127.0.0.1', 'localhost'), 'http://169.254.169.254/hooks/x']) {
        const error = await strict.send(url, { subject: 's', text: 'hello' }).then(
          () => undefined,
          (failure: unknown) => failure,
        );
        expect(error, url).toBeInstanceOf(SendError);
        expect((error as SendError).permanent, url).toBe(true);
        expect((error as SendError).message, url).toMatch(
          /^webhook address not allowed: .* (loopback|linkLocal) address/,
        );
      }
      expect(f.webhooks.received(hook)).toHaveLength(0);
      await allowed.send(hook, { subject: 's', text: 'hello' });
      expect(f.webhooks.received(hook).map((request) => request.body)).toEqual([{ text: 'hello' }]);
    } finally {
      await strict.close();
      await allowed.close();
    }
  });

  it('fails a job whose payload does not match its schema at once, without retries', async () => {
    const connection = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    const queue = new Queue(queueNames.delivery.email, { connection, prefix: await workerPrefix(f.prefix) });
    try {
      const job = await queue.add('deliver', { delivery_id: 'not-a-number' }, { jobId: unique('bad'), attempts: 3 });
      const failed = await waitFor('the job to fail', async () => ((await job.isFailed()) ? true : undefined));
      expect(failed).toBe(true);
      const reloaded = await queue.getJob(job.id ?? '');
      expect(reloaded?.attemptsMade).toBe(1);
      expect(reloaded?.failedReason).toMatch(/^invalid deliver-email payload: delivery_id/);
    } finally {
      await queue.close();
      connection.disconnect();
    }
  });
});
