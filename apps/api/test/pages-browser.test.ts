/**
 * The public pages in a real browser: Debian's Chromium driven by
 * playwright-core, checked by axe-core. Screenshots go to SCREENSHOT_DIR
 * (default: a folder under the system's temporary directory), never into git.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { manageToken } from '@statuspage/core';
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGroup, createService } from './support/factories';
import { useApiFixture } from './support/fixture';
import { pagesCacheOptions, usePagesDatabase } from './support/pages';

const require = createRequire(import.meta.url);
const axeSource: string = require('axe-core').source;

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const screenshotDir = process.env.SCREENSHOT_DIR ?? join(tmpdir(), 'statuspage-screenshots');

const env = usePagesDatabase();
// The manage page's link is signed with it.
const APP_SECRET = 'pages-browser-test-secret-0123456789';
env.APP_SECRET = APP_SECRET;
const fx = useApiFixture(env, pagesCacheOptions());
let browser: Browser;
const paths: Record<string, string> = {};

beforeAll(async () => {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: install Debian's chromium package (or set CHROMIUM_PATH)`);
  }
  mkdirSync(screenshotDir, { recursive: true });
  browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });

  const { http, admin } = fx;
  const group = await createGroup(http, admin, { name: 'Payments' });
  const card = await createService(http, admin, { name: 'Card payments', group_ids: [group.id] });
  const payouts = await createService(http, admin, { name: 'Payouts', group_ids: [group.id], status: 'degraded' });
  const post = (body: Record<string, unknown>) => http.post('/api/v1/events', { token: admin, body });
  const incident = await post({
    title: 'Card payments failing',
    type: 'incident',
    status: 'identified',
    severity: 'major',
    description: 'Some card payments are declined.',
    affected_services: [{ service_id: card.id, status: 'partial_outage' }],
  });
  expect(incident.status, incident.text).toBe(201);
  await http.post(`/api/v1/events/${incident.body.data.id}/updates`, {
    token: admin,
    body: { status: 'identified', message: 'A certificate expired; a new one is being rolled out.' },
  });
  const maintenance = await post({
    title: 'Payout batch migration',
    type: 'maintenance',
    status: 'scheduled',
    description: 'Payouts are paused during the window.',
    scheduled_start_at: new Date(Date.now() + 86_400_000).toISOString(),
    scheduled_end_at: new Date(Date.now() + 90_000_000).toISOString(),
    affected_services: [{ service_id: payouts.id, status: 'maintenance' }],
  });
  expect(maintenance.status, maintenance.text).toBe(201);
  const past = await post({
    title: 'Slow payouts',
    type: 'incident',
    status: 'resolved',
    severity: 'minor',
    description: '',
    started_at: new Date(Date.now() - 7_200_000).toISOString(),
    resolved_at: new Date(Date.now() - 3_600_000).toISOString(),
    affected_services: [{ service_id: payouts.id, status: 'degraded' }],
  });
  expect(past.status, past.text).toBe(201);
  // An account-less subscriber (imported as confirmed) for the manage page.
  const email = 'visitor@example.test';
  const imported = await http.post('/api/v1/admin/subscribers/import', {
    token: admin,
    body: { csv: `email,components\n${email},Card payments\n` },
  });
  expect(imported.body.data.created, imported.text).toEqual([email]);
  const listed = await http.get(`/api/v1/admin/subscribers?q=${email}`, { token: admin });
  const subscriberId = listed.body.data.subscribers[0].subscriber_id as string;
  Object.assign(paths, {
    status: '/',
    event: `/events/${incident.body.data.id}`,
    maintenance: `/events/${maintenance.body.data.id}`,
    history: '/history',
    service: `/services/${card.slug}`,
    notFound: '/events/00000000-0000-4000-8000-000000000000',
    russian: '/?lang=ru',
    subscribe: '/subscribe',
    subscribeRussian: '/subscribe?lang=ru',
    confirm: `/subscribers/confirm?token=${'A'.repeat(43)}`,
    manage: `/subscribers/manage?token=${encodeURIComponent(manageToken(subscriberId, 1, APP_SECRET))}`,
    invalidLink: `/subscribers/manage?token=${'B'.repeat(43)}`,
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

/** Opens a page in a fresh context; console errors and page errors are collected. */
async function open(path: string, options: BrowserContextOptions = {}) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    // The browser reports a 404 document as a failed load: that one is the page under test.
    const expected = (path === paths.notFound || path === paths.invalidLink) && /status of 404/.test(message.text());
    if (message.type() === 'error' && !expected) errors.push(message.text());
  });
  page.on('pageerror', (error) => errors.push(error.message));
  const response = await page.goto(`${fx.api.url}${path}`);
  return { page, errors, status: response?.status(), close: () => context.close() };
}

async function axeViolations(page: Page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    (window as unknown as { axe: { run(options: object): Promise<{ violations: AxeViolation[] }> } }).axe.run({
      resultTypes: ['violations'],
    }),
  );
  return result.violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => ({
      id: violation.id,
      impact: violation.impact,
      nodes: violation.nodes.slice(0, 3).map((node) => `${node.target.join(' ')}: ${node.failureSummary}`),
    }));
}

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: { target: string[]; failureSummary: string }[];
}

const pageNames = [
  'status',
  'event',
  'maintenance',
  'history',
  'service',
  'notFound',
  'russian',
  'subscribe',
  'subscribeRussian',
  'confirm',
  'manage',
  'invalidLink',
] as const;

describe('public pages in a browser', () => {
  for (const name of pageNames) {
    for (const colorScheme of ['light', 'dark'] as const) {
      it(`${name} (${colorScheme}) loads without console errors and axe finds no serious violation`, async () => {
        const { page, errors, status, close } = await open(paths[name] as string, { colorScheme });
        try {
          expect(status).toBe(name === 'notFound' || name === 'invalidLink' ? 404 : 200);
          expect(await page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches)).toBe(
            colorScheme === 'dark',
          );
          expect(await axeViolations(page)).toEqual([]);
          expect(errors).toEqual([]);
          if (name === 'status' || name === 'russian' || name === 'subscribe' || name === 'manage') {
            await page.screenshot({ path: join(screenshotDir, `${name}-${colorScheme}.png`), fullPage: true });
          }
        } finally {
          await close();
        }
      });
    }

    it(`${name} reads the same with JavaScript disabled`, async () => {
      const withScript = await open(paths[name] as string);
      const without = await open(paths[name] as string, { javaScriptEnabled: false });
      try {
        const text = (page: Page) => page.locator('body').textContent();
        const expected = (await text(withScript.page)) ?? '';
        expect(expected.length).toBeGreaterThan(50);
        expect(await text(without.page)).toBe(expected);
        expect(without.errors).toEqual([]);
      } finally {
        await withScript.close();
        await without.close();
      }
    });

    it(`${name} holds at 360 px wide (no horizontal scroll)`, async () => {
      const { page, close } = await open(paths[name] as string, { viewport: { width: 360, height: 740 } });
      try {
        const widths = await page.evaluate(() => ({
          scroll: document.documentElement.scrollWidth,
          client: document.documentElement.clientWidth,
        }));
        expect(widths.scroll).toBeLessThanOrEqual(widths.client);
        if (name === 'status' || name === 'event') {
          await page.screenshot({ path: join(screenshotDir, `${name}-mobile.png`), fullPage: true });
        }
      } finally {
        await close();
      }
    });
  }

  it('shows a visible focus outline on links reached with the keyboard', async () => {
    const { page, close } = await open('/');
    try {
      await page.keyboard.press('Tab');
      const skip = await page.evaluate(() => {
        const element = document.activeElement as HTMLElement;
        const _style = getComputedStyle(element);
        return { text: element.textContent, left: element.getBoundingClientRect().left };
      });
      expect(skip.text).toBe('Skip to content');
      expect(skip.left).toBeGreaterThanOrEqual(0);
      await page.keyboard.press('Tab');
      const outline = await page.evaluate(() => {
        const style = getComputedStyle(document.activeElement as HTMLElement);
        return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
      });
      expect(outline.style).toBe('solid');
      expect(outline.width).toBeGreaterThanOrEqual(2);
    } finally {
      await close();
    }
  });

  it('gives every time a tooltip in the visitor’s own zone when scripts run', async () => {
    const { page, close } = await open(paths.event as string, { timezoneId: 'America/New_York' });
    try {
      const titles = await page.locator('time').evaluateAll((times) => times.map((time) => time.getAttribute('title')));
      expect(titles.length).toBeGreaterThan(0);
      for (const title of titles) expect(title).toMatch(/EST|EDT/);
    } finally {
      await close();
    }
  });
});
