/**
 * Local protocol peers for notification tests (api and worker): a fake
 * Telegram Bot API and a Mattermost-style incoming-webhook receiver. Both are
 * plain node:http servers on a free loopback port that record every request
 * and answer as told, so tests can check what was sent and script failures.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON or form-encoded bodies as an object; anything else as `{ raw }`. */
function parseBody(text: string, contentType: string | undefined): Record<string, unknown> {
  if (!text) return {};
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : { raw: parsed };
  } catch {
    return { raw: text };
  }
}

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Resolves when `predicate` holds (polled), or fails after `timeoutMs`. */
export async function waitUntil(predicate: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** A loopback URL nothing listens on (a port that was just free). */
export async function unreachableUrl(path = '/hooks/nobody'): Promise<string> {
  const server = createServer();
  const base = await listen(server);
  await closeServer(server);
  return `${base}${path}`;
}

// ---------------------------------------------------------------------------
// Telegram Bot API

export interface TelegramRequest {
  token: string;
  method: string;
  body: Record<string, unknown>;
  at: Date;
}

/** A Bot API failure: the HTTP status and the `{ok:false,…}` body Telegram sends with it. */
export interface TelegramFailure {
  status: number;
  description: string;
  /** For 429: seconds the client must wait (sent as `parameters.retry_after`). */
  retryAfter?: number;
}

/** The answers Telegram gives in the situations tests care about. */
export const telegramFailures = {
  chatNotFound: { status: 400, description: 'Bad Request: chat not found' },
  botBlocked: { status: 403, description: 'Forbidden: bot was blocked by the user' },
  tooManyRequests: (retryAfter = 1) => ({
    status: 429,
    description: `Too Many Requests: retry after ${retryAfter}`,
    retryAfter,
  }),
  serverError: { status: 500, description: 'Internal Server Error' },
} satisfies Record<string, TelegramFailure | ((retryAfter?: number) => TelegramFailure)>;

export interface FakeTelegramOptions {
  /** Only this bot token is accepted (others: 401 Unauthorized). Any token when omitted. */
  token?: string;
  /** Chat id → failure, from the start. */
  failures?: Record<string, TelegramFailure>;
}

export interface FakeTelegram {
  /** The Bot API root to configure (`NOTIFICATIONS_TELEGRAM_API_URL`). */
  apiRoot: string;
  /** Every request received, in order. */
  requests: TelegramRequest[];
  /** The `sendMessage` requests, optionally only those to one chat. */
  messages(chatId?: string | number): TelegramRequest[];
  /** Makes every later `sendMessage` to this chat fail this way (until `succeed`). */
  fail(chatId: string | number, failure: TelegramFailure): void;
  /** Makes the next `times` `sendMessage` calls to this chat fail, then succeed again. */
  failTimes(chatId: string | number, failure: TelegramFailure, times: number): void;
  /** Lets messages to this chat go through again. */
  succeed(chatId: string | number): void;
  /** Holds every later answer to this chat for `ms` (0: no delay), to test timeouts. */
  delay(chatId: string | number, ms: number): void;
  /** A message from a chat to the bot (what pressing Start on a deep link sends: `/start <parameter>`), for getUpdates. */
  receive(chat: { id: string | number; username?: string; type?: 'private' | 'group' | 'channel' }, text: string): void;
  /** Forgets the recorded requests. */
  clear(): void;
  close(): Promise<void>;
}

/**
 * A fake Telegram Bot API: `POST /bot<token>/<method>`. `sendMessage` answers
 * `{ok:true,result:<Message>}` unless a failure is set for the chat; `getMe`
 * answers a bot; other methods answer `{ok:true,result:true}`.
 */
export async function startFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
  const requests: TelegramRequest[] = [];
  const failures = new Map<string, { failure: TelegramFailure; remaining: number }>();
  for (const [chatId, failure] of Object.entries(options.failures ?? {})) {
    failures.set(chatId, { failure, remaining: Number.POSITIVE_INFINITY });
  }
  const delays = new Map<string, number>();
  let messageId = 0;
  const updates: Record<string, unknown>[] = [];
  let updateId = 1000;

  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(new URL(req.url ?? '/', 'http://fake').pathname);
    if (!match || req.method !== 'POST') {
      send(404, { ok: false, error_code: 404, description: 'Not Found' });
      return;
    }
    const [, token = '', method = ''] = match;
    const body = parseBody(text, req.headers['content-type']);
    requests.push({ token, method, body, at: new Date() });
    if (options.token && token !== options.token) {
      send(401, { ok: false, error_code: 401, description: 'Unauthorized' });
      return;
    }
    if (method === 'getMe') {
      send(200, { ok: true, result: { id: 1, is_bot: true, first_name: 'Fake', username: 'fake_bot' } });
      return;
    }
    if (method === 'getUpdates') {
      // Bot API semantics for the offsets used here: negative → the last -offset updates.
      const offset = Number(body.offset ?? 0);
      const limit = Number(body.limit ?? 100);
      const result = offset < 0 ? updates.slice(offset) : updates.filter((u) => Number(u.update_id) >= offset);
      send(200, { ok: true, result: result.slice(0, limit) });
      return;
    }
    if (method !== 'sendMessage') {
      send(200, { ok: true, result: true });
      return;
    }
    const chatId = String(body.chat_id ?? '');
    const wait = delays.get(chatId);
    if (wait) await sleep(wait);
    const scripted = failures.get(chatId);
    if (scripted && scripted.remaining > 0) {
      scripted.remaining -= 1;
      const { failure } = scripted;
      send(failure.status, {
        ok: false,
        error_code: failure.status,
        description: failure.description,
        ...(failure.retryAfter !== undefined ? { parameters: { retry_after: failure.retryAfter } } : {}),
      });
      return;
    }
    messageId += 1;
    send(200, {
      ok: true,
      result: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(chatId) || 0, type: 'private' },
        text: String(body.text ?? ''),
      },
    });
  });
  const apiRoot = await listen(server);

  return {
    apiRoot,
    requests,
    messages(chatId) {
      return requests.filter(
        (request) =>
          request.method === 'sendMessage' && (chatId === undefined || String(request.body.chat_id) === String(chatId)),
      );
    },
    fail(chatId, failure) {
      failures.set(String(chatId), { failure, remaining: Number.POSITIVE_INFINITY });
    },
    failTimes(chatId, failure, times) {
      failures.set(String(chatId), { failure, remaining: times });
    },
    succeed(chatId) {
      failures.delete(String(chatId));
    },
    delay(chatId, ms) {
      delays.set(String(chatId), ms);
    },
    receive(chat, text) {
      updateId += 1;
      messageId += 1;
      const type = chat.type ?? 'private';
      const message = {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: Number(chat.id), type, ...(chat.username ? { username: chat.username } : {}) },
        text,
      };
      updates.push({ update_id: updateId, [type === 'channel' ? 'channel_post' : 'message']: message });
    },
    clear() {
      requests.length = 0;
    },
    close: () => closeServer(server),
  };
}

// ---------------------------------------------------------------------------
// Mattermost-style incoming webhooks

export interface WebhookRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  /** The body exactly as received (what a signature covers). */
  raw: string;
  at: Date;
}

/** Headers of a scripted answer (`Retry-After`, `Location`); a JSON body is sent as `application/json`. */
export type AnswerHeaders = Record<string, string>;

/** The answers receivers give in the situations tests care about. */
export const webhookAnswers = {
  /** Slack, Teams, most receivers: 429 with `Retry-After` in seconds. */
  retryAfterSeconds: (seconds: number) => ({
    status: 429,
    body: 'rate limited',
    headers: { 'retry-after': String(seconds) },
  }),
  /** 429 with `Retry-After` as an HTTP date. */
  retryAfterDate: (at: Date) => ({ status: 429, body: 'rate limited', headers: { 'retry-after': at.toUTCString() } }),
  /** Discord: 429 with a JSON body whose `retry_after` is seconds (a float). */
  discordRateLimited: (seconds: number) => ({
    status: 429,
    body: JSON.stringify({ message: 'You are being rate limited.', retry_after: seconds, global: false }),
    headers: { 'content-type': 'application/json' },
  }),
  /** A redirect elsewhere (not followed). */
  redirect: (location: string) => ({ status: 302, body: '', headers: { location } }),
} satisfies Record<string, (...args: never[]) => { status: number; body: string; headers: AnswerHeaders }>;

export interface FakeWebhooks {
  /** The receiver's root, e.g. `http://127.0.0.1:PORT`. */
  baseUrl: string;
  /** A webhook URL on this receiver (a unique path unless given). */
  url(path?: string): string;
  /** Every request received, in order. */
  requests: WebhookRequest[];
  /** The requests to one path (or to the path of a URL made by `url`). */
  received(pathOrUrl: string): WebhookRequest[];
  /** Makes every later request to this path (or URL) answer `status` (until `succeed`). */
  fail(pathOrUrl: string, status: number, body?: string, headers?: AnswerHeaders): void;
  /** Makes the next `times` requests to this path fail with `status`, then succeed again. */
  failTimes(pathOrUrl: string, status: number, times: number, body?: string, headers?: AnswerHeaders): void;
  /** Lets requests to this path succeed again. */
  succeed(pathOrUrl: string): void;
  /** Holds every later answer to this path for `ms` (0: no delay), to test timeouts. */
  delay(pathOrUrl: string, ms: number): void;
  clear(): void;
  close(): Promise<void>;
}

let hookCounter = 0;

/**
 * A Mattermost-style incoming-webhook receiver: any POST answers 200 `ok`
 * (as Mattermost does) unless a failure is set for its path.
 */
export async function startFakeWebhooks(): Promise<FakeWebhooks> {
  const requests: WebhookRequest[] = [];
  const failures = new Map<string, { status: number; body: string; headers: AnswerHeaders; remaining: number }>();
  const delays = new Map<string, number>();

  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    requests.push({
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      body: parseBody(text, req.headers['content-type']),
      raw: text,
      at: new Date(),
    });
    const wait = delays.get(path);
    if (wait) await sleep(wait);
    const scripted = failures.get(path);
    if (scripted && scripted.remaining > 0) {
      scripted.remaining -= 1;
      res.writeHead(scripted.status, { 'content-type': 'text/plain', ...scripted.headers });
      res.end(scripted.body);
      return;
    }
    if (req.method !== 'POST') {
      res.writeHead(405, { 'content-type': 'text/plain' });
      res.end('method not allowed');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  const baseUrl = await listen(server);
  const pathOf = (pathOrUrl: string) =>
    pathOrUrl.startsWith('http')
      ? new URL(pathOrUrl).pathname
      : pathOrUrl.startsWith('/')
        ? pathOrUrl
        : `/${pathOrUrl}`;

  return {
    baseUrl,
    url(path) {
      hookCounter += 1;
      return `${baseUrl}${path ? pathOf(path) : `/hooks/${Date.now().toString(36)}${hookCounter}`}`;
    },
    requests,
    received(pathOrUrl) {
      const path = pathOf(pathOrUrl);
      return requests.filter((request) => request.path === path);
    },
    fail(pathOrUrl, status, body = `error ${status}`, headers = {}) {
      failures.set(pathOf(pathOrUrl), { status, body, headers, remaining: Number.POSITIVE_INFINITY });
    },
    failTimes(pathOrUrl, status, times, body = `error ${status}`, headers = {}) {
      failures.set(pathOf(pathOrUrl), { status, body, headers, remaining: times });
    },
    succeed(pathOrUrl) {
      failures.delete(pathOf(pathOrUrl));
    },
    delay(pathOrUrl, ms) {
      delays.set(pathOf(pathOrUrl), ms);
    },
    clear() {
      requests.length = 0;
    },
    close: () => closeServer(server),
  };
}
