import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createWebhookPoster,
  isNetwork,
  literalAddressRefusal,
  networkListSetting,
  refusedAddress,
  retryAfterMsOf,
  WebhookAddressRefused,
  WebhookUnreachable,
} from '../src/webhook';

describe('refusedAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['192.168.0.10', 'private'],
    ['172.16.5.4', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['fe80::1', 'linkLocal'],
  ])('refuses %s (%s) by default', (address, range) => {
    expect(refusedAddress(address, [])).toBe(`${address} is a ${range} address`);
  });

  it.each([
    '::ffff:127.0.0.1',
    '::ffff:10.0.0.1',
    '::ffff:1.1.1.1',
    '::ffff:7f00:1',
    '::127.0.0.1',
    '::7f00:1',
    '::10.0.0.1',
    '::1.1.1.1',
    '::2',
  ])(
    'refuses %s (IPv6 carrying an IPv4 address) whatever it carries, even inside the allowed networks',
    async (address) => {
      const { parseCIDR } = (await import('ipaddr.js')).default;
      const allowed = ['0.0.0.0/0', '::/0'].map((entry) => parseCIDR(entry));
      const reason = `${address} is an IPv4-mapped or IPv4-compatible address`;
      expect(refusedAddress(address, [])).toBe(reason);
      expect(refusedAddress(address, allowed)).toBe(reason);
    },
  );

  it.each(['93.184.216.34', '1.1.1.1', '2606:4700:4700::1111'])('allows the public %s', (address) => {
    expect(refusedAddress(address, [])).toBeUndefined();
  });

  it('allows private addresses inside the allowed networks only, whatever their family', async () => {
    const { parseCIDR } = (await import('ipaddr.js')).default;
    const allowed = ['10.0.0.0/8', 'fd00::/8', '127.0.0.1/32'].map((entry) => parseCIDR(entry));
    expect(refusedAddress('10.20.30.40', allowed)).toBeUndefined();
    expect(refusedAddress('fd12::1', allowed)).toBeUndefined();
    expect(refusedAddress('127.0.0.1', allowed)).toBeUndefined();
    expect(refusedAddress('127.0.0.2', allowed)).toBe('127.0.0.2 is a loopback address');
    expect(refusedAddress('192.168.1.1', allowed)).toBe('192.168.1.1 is a private address');
    expect(refusedAddress('::1', allowed)).toBe('::1 is a loopback address');
  });
});

describe('retryAfterMsOf', () => {
  const now = Date.parse('2026-03-01T10:00:00.000Z');
  it('reads Retry-After in seconds (whole or not)', () => {
    expect(retryAfterMsOf({ retryAfter: '3', body: '' }, now)).toBe(3000);
    expect(retryAfterMsOf({ retryAfter: ' 1.25 ', body: '' }, now)).toBe(1250);
  });
  it('reads Retry-After as an HTTP date, never negative', () => {
    expect(retryAfterMsOf({ retryAfter: 'Sun, 01 Mar 2026 10:00:05 GMT', body: '' }, now)).toBe(5000);
    expect(retryAfterMsOf({ retryAfter: 'Sun, 01 Mar 2026 09:00:00 GMT', body: '' }, now)).toBe(0);
  });
  it("reads Discord's retry_after body (seconds, a float) when there is no header", () => {
    const body = JSON.stringify({ message: 'You are being rate limited.', retry_after: 0.345, global: false });
    expect(retryAfterMsOf({ retryAfter: undefined, body }, now)).toBe(345);
  });
  it('says nothing for a missing, unreadable or negative hint', () => {
    expect(retryAfterMsOf({ retryAfter: undefined, body: 'slow down' }, now)).toBeUndefined();
    expect(retryAfterMsOf({ retryAfter: 'soon', body: '{"retry_after":-1}' }, now)).toBeUndefined();
  });
});

describe('literalAddressRefusal', () => {
  it('refuses URLs whose host is a private or local address outside the allowed networks', () => {
    expect(literalAddressRefusal('http://10.1.2.3/hook', [])).toContain('private');
    expect(literalAddressRefusal('http://[::1]:8080/hook', [])).toContain('loopback');
    expect(literalAddressRefusal('http://127.0.0.1/hook', ['127.0.0.0/8'])).toBeUndefined();
  });
  it('leaves host names and public addresses to the call-time check', () => {
    expect(literalAddressRefusal('http://localhost/hook', [])).toBeUndefined();
    expect(literalAddressRefusal('https://203.0.114.1/hook', [])).toBeUndefined();
    expect(literalAddressRefusal('https://hooks.slack.com/services/x', [])).toBeUndefined();
  });
});

describe('the allowed-networks setting', () => {
  it.each(['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1', '0.0.0.0/0'])('accepts %s', (entry) => {
    expect(isNetwork(entry)).toBe(true);
  });

  it.each(['10.0.0.0/33', '10.1/8', 'mattermost.lan', '10.0.0.0/8/8', 'fd00::/129', '', '10.0.0.0/'])(
    'refuses %s',
    (entry) => {
      expect(isNetwork(entry)).toBe(false);
    },
  );

  it('reads a comma-separated list, empty by default', () => {
    expect(networkListSetting().parse(undefined)).toEqual([]);
    expect(networkListSetting().parse(' 10.0.0.0/8, fd00::/8 ,')).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(networkListSetting().safeParse('10.0.0.0/8,intranet').success).toBe(false);
  });
});

describe('createWebhookPoster', () => {
  let server: Server;
  let base: string;
  const received: { path: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push({ path: req.url ?? '', body });
        if (req.url === '/slow') return; // never answers
        if (req.url === '/redirect') {
          res.writeHead(302, { location: 'http://169.254.169.254/' }).end();
          return;
        }
        res.writeHead(req.url === '/busy' ? 429 : 200, { 'retry-after': '7' }).end('ok from the receiver');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('posts JSON to an allowed address and returns the status, body start and Retry-After', async () => {
    const poster = createWebhookPoster({ timeoutMs: 2000, allowedNetworks: ['127.0.0.0/8'] });
    try {
      expect(await poster.post(`${base}/hook`, { text: 'hi' })).toEqual({
        status: 200,
        body: 'ok from the receiver',
        retryAfter: '7',
      });
      expect(await poster.post(`${base}/busy`, { text: 'hi' })).toMatchObject({ status: 429 });
      expect(received.find((request) => request.path === '/hook')?.body).toBe('{"text":"hi"}');
    } finally {
      poster.close();
    }
  });

  it('does not follow redirects', async () => {
    const poster = createWebhookPoster({ timeoutMs: 2000, allowedNetworks: ['127.0.0.0/8'] });
    try {
      expect(await poster.post(`${base}/redirect`, {})).toMatchObject({ status: 302 });
    } finally {
      poster.close();
    }
  });

  it('refuses loopback by address and by name before connecting', async () => {
    const poster = createWebhookPoster({ timeoutMs: 2000 });
    const before = received.length;
    try {
      await expect(poster.post(`${base}/hook`, {})).rejects.toThrow(WebhookAddressRefused);
      const byName = poster.post(`${base.replace('127.0.0.1', 'localhost')}/hook`, {});
      await expect(byName).rejects.toThrow(WebhookAddressRefused);
      await expect(byName).rejects.toThrow(/^localhost: .* is a loopback address, outside the allowed networks$/);
      await expect(poster.post('http://[::ffff:7f00:1]/hook', {})).rejects.toThrow(/IPv4-mapped or IPv4-compatible/);
      // IPv4-compatible: on some platforms it reaches 127.0.0.1.
      await expect(poster.post('http://[::7f00:1]/hook', {})).rejects.toThrow(WebhookAddressRefused);
      expect(received.length).toBe(before);
    } finally {
      poster.close();
    }
  });

  it('reports a timeout and an unknown host as unreachable', async () => {
    const poster = createWebhookPoster({ timeoutMs: 300, allowedNetworks: ['127.0.0.0/8'] });
    try {
      await expect(poster.post(`${base}/slow`, {})).rejects.toThrow(new WebhookUnreachable('no answer within 300 ms'));
      await expect(poster.post('http://no-such-host.invalid/hook', {})).rejects.toThrow(WebhookUnreachable);
    } finally {
      poster.close();
    }
  });
});
