import { AddEventUpdateInput, CreateEventInput } from '@statuspage/contracts';
import { verifyUnsubscribeToken } from '@statuspage/core';
import { describe, expect, it } from 'vitest';
import { useWorkerFixture } from './support/fixture';
import {
  addVerifiedChannel,
  appSecret,
  baseUrl,
  createService,
  deliveriesOf,
  openIncident,
  registerUser,
  settled,
  subscribe,
  unique,
  waitFor,
} from './support/harness';
import { parse } from './support/smtp';

const f = useWorkerFixture({ name: 'pipeline', telegram: true, webhooks: true });

/** Adds an e-mail channel the way a user does: the code arrives by e-mail and verifies it. */
async function addVerifiedEmailChannel(userId: string, address: string) {
  const channel = await f.t.core.channels.create(userId, { type: 'email', target: address });
  const [mail] = await waitFor('the verification e-mail', () => f.smtp.to(address).length > 0 && f.smtp.to(address));
  if (!mail) throw new Error('no mail');
  const parsed = await parse(mail);
  const code = /\b(\d{6})\b/.exec(parsed.text)?.[1];
  expect(code, parsed.text).toBeDefined();
  const verified = await f.t.core.channels.verify(userId, channel.id, code);
  expect(verified.is_verified).toBe(true);
  return { channel: verified, mail: parsed };
}

const subjects = async (address: string) =>
  Promise.all(f.smtp.to(address).map(async (mail) => (await parse(mail)).subject));

describe('notifications pipeline', () => {
  it('e-mails a verification code (no unsubscribe headers) and forgets the code once sent', async () => {
    const user = await registerUser(f.t);
    const address = `${unique('second')}@example.test`;
    const { channel, mail } = await addVerifiedEmailChannel(user.id, address);

    expect(mail.subject).toMatch(/^Your verification code: \d{6}$/);
    expect(mail.text).toContain('It expires in 15 minutes');
    expect(mail.html).toContain('<strong>');
    expect(mail.headers['list-unsubscribe']).toBeUndefined();
    expect(mail.headers['list-unsubscribe-post']).toBeUndefined();
    await settled(f.t, { targets: [address] }, 1);
    expect(f.smtp.to(address)).toHaveLength(1);

    const [row] = await f.t.sql<{ payload: Record<string, unknown>; state: string; attempts: number }[]>`
      select m.payload, d.state::text as state, d.attempts
      from notification_deliveries d join notification_messages m on m.id = d.message_id
      where d.channel_id = ${channel.id}::uuid and m.kind = 'verification'`;
    expect(row).toMatchObject({ state: 'sent', attempts: 1, payload: { scrubbed: true } });
    expect(row?.payload).not.toHaveProperty('code');
  });

  it('sends an incident once to each subscribed, enabled, verified channel and to no one else; updates and the resolution reach the same set plus subscribers of services added later', async () => {
    const operator = await registerUser(f.t, unique('operator'));
    const [serviceA, serviceB, serviceC, serviceD] = await Promise.all(
      [1, 2, 3, 4].map(() => createService(f.t, operator.id)),
    );
    if (!serviceA || !serviceB || !serviceC || !serviceD) throw new Error('no services');

    const followerA = await registerUser(f.t);
    await subscribe(f.t, followerA.id, followerA.defaultChannel.id, [serviceA.id]);
    const followerAll = await registerUser(f.t);
    await subscribe(f.t, followerAll.id, followerAll.defaultChannel.id, 'all');
    const followerC = await registerUser(f.t);
    await subscribe(f.t, followerC.id, followerC.defaultChannel.id, [serviceC.id]);
    const disabled = await registerUser(f.t);
    await subscribe(f.t, disabled.id, disabled.defaultChannel.id, [serviceA.id]);
    await f.t.core.channels.update(disabled.id, disabled.defaultChannel.id, { is_enabled: false });
    const elsewhere = await registerUser(f.t);
    await subscribe(f.t, elsewhere.id, elsewhere.defaultChannel.id, [serviceD.id]);

    const telegramUser = await registerUser(f.t);
    const chatId = String(700_000_000 + Math.floor(Math.random() * 1_000_000));
    const telegramChannel = await addVerifiedChannel(f.t, telegramUser.id, 'telegram', chatId);
    await subscribe(f.t, telegramUser.id, telegramChannel.id, [serviceA.id]);
    const mattermostUser = await registerUser(f.t);
    const hook = f.webhooks.url();
    const mattermostChannel = await addVerifiedChannel(f.t, mattermostUser.id, 'mattermost', hook);
    await subscribe(f.t, mattermostUser.id, mattermostChannel.id, [serviceB.id]);
    const secondEmailUser = await registerUser(f.t);
    const secondAddress = `${unique('second')}@example.test`;
    const { channel: secondEmail } = await addVerifiedEmailChannel(secondEmailUser.id, secondAddress);
    await subscribe(f.t, secondEmailUser.id, secondEmail.id, [serviceA.id]);
    // An unverified channel cannot subscribe; it must not receive anything either.
    const unverifiedUser = await registerUser(f.t);
    const unverifiedChat = String(800_000_000 + Math.floor(Math.random() * 1_000_000));
    await f.t.core.channels.create(unverifiedUser.id, { type: 'telegram', target: unverifiedChat });

    // Channels of other tests that follow all services get these messages too; count only this test's.
    const mine = {
      targets: [
        ...[followerA, followerAll, followerC, disabled, elsewhere, telegramUser, mattermostUser, secondEmailUser].map(
          (user) => user.email,
        ),
        chatId,
        hook,
        secondAddress,
        unverifiedChat,
      ],
    };
    const incident = await openIncident(f.t, operator.id, [serviceA.id, serviceB.id]);
    // Subscribed after the incident opened: its subscriber set is already fixed.
    const late = await registerUser(f.t);
    await subscribe(f.t, late.id, late.defaultChannel.id, [serviceA.id]);

    const initial = await settled(f.t, { eventId: incident.id, ...mine }, 5);
    expect(initial.every((row) => row.state === 'sent' && row.attempts === 1 && row.kind === 'initial')).toBe(true);
    expect(initial.map((row) => row.target).sort()).toEqual(
      [followerA.email, followerAll.email, chatId, hook, secondAddress].sort(),
    );

    await f.t.core.events.addUpdate(
      operator.id,
      AddEventUpdateInput.parse({
        id: incident.id,
        status: 'identified',
        message: 'Found the cause; service C is affected too',
        notify_subscribers: true,
        add_services: [{ service_id: serviceC.id, status: 'degraded' }],
      }),
    );
    await settled(f.t, { eventId: incident.id, ...mine }, 11);
    await f.t.core.events.addUpdate(
      operator.id,
      AddEventUpdateInput.parse({ id: incident.id, status: 'resolved', message: 'All good again' }),
    );
    const all = await settled(f.t, { eventId: incident.id, ...mine }, 17);
    expect(all.every((row) => row.state === 'sent')).toBe(true);

    // What the peers received: exactly one message per (message, channel).
    expect(await subjects(followerA.email)).toEqual([
      `[New] Incident: ${incident.title}`,
      `[Update] Incident: ${incident.title}`,
      `[Resolved] Incident: ${incident.title}`,
    ]);
    expect(f.smtp.to(followerAll.email)).toHaveLength(3);
    expect(f.smtp.to(secondAddress)).toHaveLength(4); // its verification code, then the three messages
    expect(await subjects(followerC.email)).toEqual([
      `[Update] Incident: ${incident.title}`,
      `[Resolved] Incident: ${incident.title}`,
    ]);
    for (const nobody of [disabled, elsewhere, late, telegramUser, mattermostUser, secondEmailUser, unverifiedUser]) {
      expect(f.smtp.to(nobody.email), nobody.email).toHaveLength(0);
    }
    const chat = f.telegram.messages(chatId);
    expect(chat).toHaveLength(3);
    expect(String(chat[0]?.body.text)).toContain(`[New] Incident: ${incident.title}`);
    expect(String(chat[0]?.body.text)).toContain(`${baseUrl}/events/${incident.id}`);
    expect(f.telegram.messages(unverifiedChat)).toHaveLength(0);
    const posts = f.webhooks.received(hook);
    expect(posts).toHaveLength(3);
    expect(String(posts[2]?.body.text)).toMatch(/^#### \[Resolved\] Incident: /);
    expect(posts[0]?.body).toEqual({ text: expect.any(String) });
  });

  it('gives event e-mails text, HTML and one-click unsubscribe headers for the recipient’s channel', async () => {
    const operator = await registerUser(f.t, unique('operator'));
    const service = await createService(f.t, operator.id);
    const follower = await registerUser(f.t);
    await subscribe(f.t, follower.id, follower.defaultChannel.id, [service.id]);
    const incident = await openIncident(f.t, operator.id, [service.id]);
    // (Channels subscribed to all services, from other tests, get it too.)
    await settled(f.t, { eventId: incident.id, targets: [follower.email] }, 1);

    const [mail] = f.smtp.to(follower.email);
    if (!mail) throw new Error('no mail');
    expect(mail.from).toBe('status@example.test');
    const parsed = await parse(mail);
    const link = /^<(.+)>$/.exec(parsed.headers['list-unsubscribe'] ?? '')?.[1] ?? '';
    expect(link.startsWith(`${baseUrl}/api/v1/notifications/unsubscribe?token=`)).toBe(true);
    expect(parsed.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const token = new URL(link).searchParams.get('token') ?? '';
    expect(token.startsWith('v1.')).toBe(true);
    expect(verifyUnsubscribeToken(token, [appSecret])).toBe(follower.defaultChannel.id);
    expect(parsed.text).toContain(`Unsubscribe: ${link}`);
    expect(parsed.text).toContain(`${baseUrl}/events/${incident.id}`);
    expect(parsed.html).toContain('Unsubscribe</a>');
  });

  it('sends a password-reset e-mail once, without unsubscribe headers, and forgets the token once sent', async () => {
    const user = await registerUser(f.t);
    await f.t.core.auth.forgotPassword(user.email);
    const rows = await settled(f.t, { targets: [user.email] }, 1);
    expect(rows).toMatchObject([{ kind: 'password_reset', state: 'sent', attempts: 1, channel_id: null }]);
    const [mail] = f.smtp.to(user.email);
    if (!mail) throw new Error('no mail');
    const parsed = await parse(mail);
    expect(parsed.subject).toBe('Reset your StatusPage password');
    expect(parsed.text).toContain(`${baseUrl}/reset-password?token=`);
    expect(parsed.headers['list-unsubscribe']).toBeUndefined();

    const [outboxRow] = await f.t.sql<{ id: number; uid: string }[]>`
      select id::int as id, uid::text as uid from outbox
      where kind = 'email.password_reset' and payload->>'email' = ${user.email}`;
    const [message] = await f.t.sql<{ dedupe_key: string; payload: Record<string, unknown> }[]>`
      select dedupe_key, payload from notification_messages where id = ${rows[0]?.message_id ?? 0}`;
    expect(message?.dedupe_key).toBe(`outbox-${outboxRow?.uid}`);
    expect(message?.payload).toMatchObject({ scrubbed: true, first_name: 'Test' });
    expect(message?.payload).not.toHaveProperty('token');

    const [relayed] = await f.t.sql<{ payload: Record<string, unknown> }[]>`
      select payload from outbox where id = ${outboxRow?.id ?? 0}`;
    expect(relayed?.payload).toMatchObject({ email: user.email });
    expect(relayed?.payload).not.toHaveProperty('token');

    // The same outbox row relayed again (as if the first commit had failed) sends nothing more.
    await f.t.sql`update outbox set dispatched_at = null where id = ${outboxRow?.id ?? 0}`;
    await waitFor('the row relayed again', async () => {
      const [row] = await f.t.sql`select dispatched_at from outbox where id = ${outboxRow?.id ?? 0}`;
      return row?.dispatched_at !== null;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(f.smtp.to(user.email)).toHaveLength(1);
    expect(await deliveriesOf(f.t, { targets: [user.email] })).toHaveLength(1);
  });

  it('announces a maintenance deleted before it started as cancelled, to the subscriber set it had', async () => {
    const operator = await registerUser(f.t, unique('operator'));
    const service = await createService(f.t, operator.id);
    const follower = await registerUser(f.t);
    await subscribe(f.t, follower.id, follower.defaultChannel.id, [service.id]);
    const start = Date.now() + 86_400_000;
    const maintenance = await f.t.core.events.create(
      operator.id,
      CreateEventInput.parse({
        title: unique('Maintenance'),
        type: 'maintenance',
        status: 'scheduled',
        description: 'Database upgrade',
        scheduled_start_at: new Date(start).toISOString(),
        scheduled_end_at: new Date(start + 3_600_000).toISOString(),
        notify_subscribers: true,
        affected_services: [{ service_id: service.id, status: 'maintenance' }],
      }),
    );
    await settled(f.t, { eventId: maintenance.id, targets: [follower.email] }, 1);
    await f.t.core.events.delete(maintenance.id);
    await waitFor('the cancellation', () => f.smtp.to(follower.email).length === 2);
    expect(await subjects(follower.email)).toEqual([
      `[New] Maintenance: ${maintenance.title}`,
      `[Cancelled] Maintenance: ${maintenance.title}`,
    ]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(f.smtp.to(follower.email)).toHaveLength(2);
  });
});
