import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * Posts JSON to user-supplied webhook URLs (Mattermost, Slack, Discord and
 * Teams incoming webhooks, signed webhooks).
 *
 * A channel's owner chooses the URL, and the api (verification) and the
 * worker (delivery) call it from inside the deployment's network: without a
 * limit, any signed-in user could make them reach the metadata service, the
 * database or the metrics port. The address actually connected to (after DNS,
 * so a name that resolves to a private address is refused too) must be a
 * public unicast address, or inside one of the allowed networks
 * (`NOTIFICATIONS_MATTERMOST_ALLOWED_NETWORKS`, for a Mattermost on the LAN).
 * The check runs in the connection's own DNS lookup, so the address judged is
 * the one connected to (no second resolution to rebind). Redirects are not
 * followed.
 */
export interface WebhookPosterOptions {
  timeoutMs: number;
  /** IPs or CIDRs that may be reached although they are private, loopback or link-local. */
  allowedNetworks?: readonly string[];
}

export interface WebhookResponse {
  status: number;
  /** The start of the response body (for error messages). */
  body: string;
  retryAfter: string | undefined;
}

/** The webhook's address is not allowed: a private or local address outside the allowed networks. */
export class WebhookAddressRefused extends Error {
  override readonly name = 'WebhookAddressRefused';
}

/** The webhook could not be reached (DNS, connection, TLS, timeout). */
export class WebhookUnreachable extends Error {
  override readonly name = 'WebhookUnreachable';
}

/** True for `10.0.0.0/8`, `fd00::/8`, `192.168.1.10`… (what the allowed-networks setting accepts). */
export function isNetwork(value: string) {
  const [address = '', prefix] = value.split('/');
  // net.isIP: four-part decimal IPv4 only (ipaddr.js alone accepts forms like `10.1`).
  return isIP(address) !== 0 && (prefix === undefined || ipaddr.isValidCIDR(value));
}

/** A comma-separated list of IPs and CIDRs (the allowed-networks setting), as a list. */
export const networkListSetting = () =>
  z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(isNetwork), {
      message: 'must be a comma-separated list of IP addresses or CIDR networks (e.g. 10.0.0.0/8,fd00::/8)',
    });

const BODY_LIMIT = 200;

/**
 * How long a 429 asks us to wait, in ms, or undefined when it does not say: the `Retry-After`
 * header in seconds or as an HTTP date (RFC 9110), else Discord's JSON body `retry_after`
 * (seconds, a float).
 */
export function retryAfterMsOf(response: Pick<WebhookResponse, 'retryAfter' | 'body'>, now = Date.now()) {
  const header = response.retryAfter?.trim();
  if (header) {
    if (/^\d+(\.\d+)?$/.test(header)) return Math.ceil(Number(header) * 1000);
    const at = Date.parse(header);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  try {
    const parsed = JSON.parse(response.body) as { retry_after?: unknown };
    if (typeof parsed.retry_after === 'number' && parsed.retry_after >= 0) return Math.ceil(parsed.retry_after * 1000);
  } catch {
    // Not JSON (or cut at the body limit): no hint.
  }
  return undefined;
}

type Network = [ipaddr.IPv4 | ipaddr.IPv6, number];

/**
 * Why an address may not be called (undefined: it may). IPv6 forms that carry
 * an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`,
 * the whole `::/96`) are refused outright: depending on the platform they reach
 * the IPv4 address they carry, and no Mattermost is published that way.
 */
export function refusedAddress(address: string, allowed: readonly Network[]): string | undefined {
  if (!ipaddr.isValid(address)) return `${address} is not an IP address`;
  const parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts;
    // ::ffff:0:0/96 (mapped) and ::/96 (compatible; ipaddr.js reads `::a.b.c.d` as mapped), except :: and ::1,
    // which are judged below by their range.
    const carriesIpv4 = parts.slice(0, 5).every((part) => part === 0) && (parts[5] === 0 || parts[5] === 0xffff);
    const unspecifiedOrLoopback = parts.slice(0, 7).every((part) => part === 0) && (parts[7] ?? 0) <= 1;
    if (carriesIpv4 && !unspecifiedOrLoopback) return `${address} is an IPv4-mapped or IPv4-compatible address`;
  }
  if (allowed.some(([network, bits]) => network.kind() === parsed.kind() && parsed.match(network, bits))) return;
  const range = parsed.range();
  return range === 'unicast' ? undefined : `${address} is a ${range} address`;
}

function parseNetworks(entries: readonly string[]): Network[] {
  return entries.map((entry) => {
    if (entry.includes('/')) return ipaddr.parseCIDR(entry);
    const address = ipaddr.parse(entry);
    return [address, address.kind() === 'ipv4' ? 32 : 128];
  });
}

/**
 * Why a URL whose host is an IP address may not be called (undefined: it may, or its host is a
 * name, judged only when it is resolved at call time). Lets a form refuse `http://10.0.0.5/…` at once.
 */
export function literalAddressRefusal(url: string, allowedNetworks: readonly string[]): string | undefined {
  let host: string;
  try {
    host = new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return 'not a URL';
  }
  if (isIP(host) === 0) return undefined;
  const reason = refusedAddress(host, parseNetworks(allowedNetworks));
  return reason ? `${reason}, outside the allowed networks` : undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export function createWebhookPoster(options: WebhookPosterOptions) {
  const allowed = parseNetworks(options.allowedNetworks ?? []);
  const refuse = (host: string, reason: string) =>
    new WebhookAddressRefused(`${host}: ${reason}, outside the allowed networks`);

  /** The connection's DNS lookup: every address the name resolves to must be allowed. */
  function lookup(hostname: string, lookupOptions: LookupOneOptions | LookupAllOptions, callback: LookupCallback) {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const { address } of addresses) {
        const reason = refusedAddress(address, allowed);
        if (reason) return callback(refuse(hostname, reason), []);
      }
      if (lookupOptions.all) return callback(null, addresses);
      const [first] = addresses;
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  }

  const agents = { http: new HttpAgent({ keepAlive: true }), https: new HttpsAgent({ keepAlive: true }) };

  /** POSTs a JSON body as given (its bytes are what a signature covers), with extra headers. */
  function postBody(url: string, body: string, headers: Record<string, string> = {}): Promise<WebhookResponse> {
    const target = new URL(url);
    const isHttps = target.protocol === 'https:';
    if (!isHttps && target.protocol !== 'http:') {
      return Promise.reject(new WebhookUnreachable(`unsupported protocol ${target.protocol}`));
    }
    // An address in the URL is connected to without a lookup: judge it here.
    const literal = target.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(literal) !== 0) {
      const reason = refusedAddress(literal, allowed);
      if (reason) return Promise.reject(refuse(target.hostname, reason));
    }
    return new Promise((resolve, reject) => {
      const req = (isHttps ? httpsRequest : httpRequest)(
        target,
        {
          method: 'POST',
          agent: isHttps ? agents.https : agents.http,
          lookup: lookup as never,
          headers: {
            ...headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'user-agent': 'StatusPage-Webhooks/1',
          },
          signal: AbortSignal.timeout(options.timeoutMs),
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            if (text.length < BODY_LIMIT) text += chunk;
          });
          res.on('error', (error) => reject(new WebhookUnreachable(error.message, { cause: error })));
          res.on('end', () => {
            const retryAfter = res.headers['retry-after'];
            resolve({ status: res.statusCode ?? 0, body: text.slice(0, BODY_LIMIT), retryAfter });
          });
        },
      );
      req.on('error', (error) => {
        if (error instanceof WebhookAddressRefused) return reject(error);
        const reason = error.name === 'AbortError' ? `no answer within ${options.timeoutMs} ms` : error.message;
        reject(new WebhookUnreachable(reason, { cause: error }));
      });
      req.end(body);
    });
  }

  return {
    /** POSTs `payload` as JSON. */
    post(url: string, payload: unknown): Promise<WebhookResponse> {
      return postBody(url, JSON.stringify(payload));
    },
    postBody,
    close() {
      agents.http.destroy();
      agents.https.destroy();
    },
  };
}
export type WebhookPoster = ReturnType<typeof createWebhookPoster>;
