import { parse } from 'node-html-parser';
import type { ApiFixture } from './fixture';
import { textOf } from './pages';

/**
 * Client addresses `<prefix>.<n / 250>.<n % 250 + 1>`, a new one per call: each test file takes its
 * own prefix, so the per-ip subscribe limits (kept in the shared Redis) never meet another file's.
 */
export function clientAddresses(prefix: string) {
  let clients = 0;
  return () => {
    clients += 1;
    return `${prefix}.${Math.floor(clients / 250)}.${(clients % 250) + 1}`;
  };
}

/** What the subscriber pages' tests do: post a form as a browser does, read a confirmation token. */
export function subscribeForms(t: ApiFixture, newIp: () => string) {
  /** Posts a form as a browser does (application/x-www-form-urlencoded) and parses the answer. */
  async function postForm(path: string, fields: [string, string][], ip = newIp()) {
    const response = await t.http.post(path, {
      raw: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'x-forwarded-for': ip },
    });
    const root = parse(response.text);
    return { ...response, root, textOf: (selector: string) => textOf(root.querySelector(selector)) };
  }

  /** The token of the latest confirmation e-mail queued for the address ('' without one). */
  async function confirmTokenOf(email: string) {
    const [row] = await t.sql<{ token: string }[]>`
      select m.payload->>'token' as token from notification_messages m
      join notification_deliveries d on d.message_id = m.id
      where d.target = ${email} and m.kind = 'subscriber_confirmation' order by m.id desc limit 1`;
    return row?.token ?? '';
  }

  return { postForm, confirmTokenOf };
}
