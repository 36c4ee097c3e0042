/**
 * Account-less subscribers end to end, with a real worker, Redis and an
 * in-process SMTP server: subscribe → confirmation e-mail → its link →
 * incident → exactly one e-mail with the manage link and the one-click
 * unsubscribe headers, both working; a known address asking again; joining
 * while an incident is open; pruning the unconfirmed after a week. The
 * api's use-cases stand for its procedures (tested over HTTP in
 * apps/api/test/subscribers.test.ts), fed with what the e-mails carry.
 */
import { AddEventUpdateInput, CreateSubscriberInput } from '@statuspage/contracts';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { pruneUnconfirmedSubscribers } from '../src/subscribers/prune';
import { useWorkerFixture } from './support/fixture';
import { createService, openIncident, registerUser, unique, waitFor } from './support/harness';
import { type ParsedMail, parse } from './support/smtp';

const f = useWorkerFixture({ name: 'subscribers' });
let operatorId: string;

beforeAll(async () => {
  operatorId = (await registerUser(f.t, unique('operator'))).id;
});

const address = () => `${unique('visitor')}@example.test`;
let clients = 0;
const ip = () => {
  clients += 1;
  return `192.0.2.${clients}`;
};

/** Waits for the `count`-th e-mail to an address and parses it. */
async function mailNumber(email: string, count: number): Promise<ParsedMail> {
  const mail = await waitFor(`e-mail ${count} to ${email}`, () => f.smtp.to(email)[count - 1]);
  return parse(mail);
}

/** The token of the link to `path` in an e-mail's text. */
function linkToken(mail: ParsedMail, path: string): string {
  const match = mail.text.match(
    new RegExp(`https://status\\.example\\.test${path.replaceAll('/', '\\/')}\\?token=(\\S+)`),
  );
  if (!match?.[1]) throw new Error(`no ${path} link in: ${mail.text}`);
  return decodeURIComponent(match[1]);
}

/** Lets a duplicate show up, if one were coming, then counts. */
async function settledCount(email: string) {
  await new Promise((resolve) => setTimeout(resolve, 600));
  return f.smtp.to(email).length;
}

async function subscribe(email: string, serviceIds: string[]) {
  const answer = await f.t.core.subscribers.subscribe(
    CreateSubscriberInput.parse({ email, service_ids: serviceIds }),
    ip(),
  );
  expect(answer).toMatch(/a message is on its way/);
  return answer;
}

function update(eventId: string, message: string) {
  return f.t.core.events.addUpdate(
    operatorId,
    AddEventUpdateInput.parse({ id: eventId, status: 'identified', message, notify_subscribers: true }),
  );
}

describe('subscribers end to end', () => {
  it('subscribe, confirm by the e-mailed link, then exactly one e-mail per update with working manage and unsubscribe links', async () => {
    const service = await createService(f.t, operatorId);
    const email = address();
    await subscribe(email, [service.id]);

    const confirmation = await mailNumber(email, 1);
    expect(confirmation.subject).toBe('Confirm your status notifications');
    const confirmToken = linkToken(confirmation, '/subscribers/confirm');
    // Nothing but the confirmation is sent before the address is confirmed.
    const early = await openIncident(f.t, operatorId, [service.id]);
    expect(await settledCount(email)).toBe(1);
    // The confirmation's secret left the message once it was sent.
    const [scrubbed] = await f.t.sql<{ payload: Record<string, unknown> }[]>`
      select m.payload from notification_messages m join notification_deliveries d on d.message_id = m.id
      where d.target = ${email} and m.kind = 'subscriber_confirmation'`;
    expect(scrubbed?.payload).toMatchObject({ scrubbed: true });
    expect(scrubbed?.payload.token).toBeUndefined();

    const confirmed = await f.t.core.subscribers.confirm(confirmToken);
    expect(confirmed).toMatchObject({ email, state: 'confirmed', service_ids: [service.id] });
    // Joined while `early` was open: its next update comes, its first message does not.
    await update(early.id, 'We found the cause');
    const first = await mailNumber(email, 2);
    expect(first.subject).toContain(early.title);
    expect(first.text).toContain('We found the cause');
    expect(await settledCount(email)).toBe(2);

    const incident = await openIncident(f.t, operatorId, [service.id]);
    const mail = await mailNumber(email, 3);
    expect(mail.subject).toBe(`[New] Incident: ${incident.title}`);
    expect(await settledCount(email)).toBe(3);
    expect(mail.headers['list-unsubscribe-post']).toBe('List-Unsubscribe=One-Click');
    const unsubscribeLink = mail.headers['list-unsubscribe']?.match(/^<(.+)>$/)?.[1] ?? '';
    expect(unsubscribeLink).toMatch(/^https:\/\/status\.example\.test\/api\/v1\/notifications\/unsubscribe\?token=/);
    expect(mail.html).toContain('Manage your subscription');

    // The manage link opens this subscription (and only it).
    const manage = linkToken(mail, '/subscribers/manage');
    expect(await f.t.core.subscribers.get(manage)).toMatchObject({ email, state: 'confirmed' });

    // One-click unsubscribe (what the mail client POSTs): the next update is not sent.
    const token = decodeURIComponent(new URL(unsubscribeLink).searchParams.get('token') ?? '');
    expect(await f.t.core.unsubscribe.unsubscribe(token)).toBe(true);
    await update(incident.id, 'Still on it');
    expect(await settledCount(email)).toBe(3);
    // Unsubscribed: the manage link stopped working.
    await expect(f.t.core.subscribers.get(manage)).rejects.toMatchObject({
      code: 'notifications.subscriber_link_invalid',
    });
  });

  it('unsubscribe by the manage link stops the next update', async () => {
    const service = await createService(f.t, operatorId);
    const email = address();
    await subscribe(email, [service.id]);
    await f.t.core.subscribers.confirm(linkToken(await mailNumber(email, 1), '/subscribers/confirm'));
    const incident = await openIncident(f.t, operatorId, [service.id]);
    const mail = await mailNumber(email, 2);
    await f.t.core.subscribers.unsubscribe(linkToken(mail, '/subscribers/manage'));
    await update(incident.id, 'An update nobody here should get');
    expect(await settledCount(email)).toBe(2);
  });

  it('a known address asking again gets its manage link, and the API answer does not change', async () => {
    const service = await createService(f.t, operatorId);
    const email = address();
    const firstAnswer = await subscribe(email, [service.id]);
    await f.t.core.subscribers.confirm(linkToken(await mailNumber(email, 1), '/subscribers/confirm'));
    await f.t.sql`update subscribers set last_mail_at = now() - interval '2 minutes' where email = ${email}`;
    const again = await subscribe(email, [service.id]);
    expect(again).toBe(firstAnswer);
    const manageMail = await mailNumber(email, 2);
    expect(manageMail.subject).toBe('Manage your status notifications');
    const view = await f.t.core.subscribers.get(linkToken(manageMail, '/subscribers/manage'));
    expect(view).toMatchObject({ email, service_ids: [service.id] });
    expect(await settledCount(email)).toBe(2);
  });

  it('deletes the subscribers left unconfirmed for a week, and only those', async () => {
    const service = await createService(f.t, operatorId);
    const old = address();
    const recent = address();
    const confirmedOld = address();
    await subscribe(old, [service.id]);
    await subscribe(recent, [service.id]);
    await subscribe(confirmedOld, [service.id]);
    await f.t.core.subscribers.confirm(linkToken(await mailNumber(confirmedOld, 1), '/subscribers/confirm'));
    await mailNumber(old, 1);
    await mailNumber(recent, 1);
    await f.t.sql`update subscribers set created_at = created_at - interval '6 days' where email = ${recent}`;
    await f.t
      .sql`update subscribers set created_at = created_at - interval '7 days 1 minute' where email in ${f.t.sql([old, confirmedOld])}`;
    const log = pino({ level: 'silent' });
    expect(await pruneUnconfirmedSubscribers(f.t.db, log)).toBeGreaterThanOrEqual(1);
    const left = await f.t.sql<{ email: string }[]>`
      select email from subscribers where email in ${f.t.sql([old, recent, confirmedOld])} order by email`;
    expect(left.map((row) => row.email).sort()).toEqual([confirmedOld, recent].sort());
    // Its channel went with it; running again deletes nothing of these.
    expect(await f.t.sql`select 1 from notification_channels where target = ${old}`).toHaveLength(0);
    await pruneUnconfirmedSubscribers(f.t.db, log);
    expect(await f.t.sql`select 1 from subscribers where email in ${f.t.sql([recent, confirmedOld])}`).toHaveLength(2);
    // A week later (the job's clock), the recent one goes too.
    await pruneUnconfirmedSubscribers(f.t.db, log, new Date(Date.now() + 2 * 86_400_000));
    expect(await f.t.sql`select 1 from subscribers where email = ${recent}`).toHaveLength(0);
  });
});
