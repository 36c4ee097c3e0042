import { randomBytes } from 'node:crypto';
import { createDb, seedDevelopmentData } from '@statuspage/db';
import { createTestDatabase } from '@statuspage/db/testing';
import { type HTMLElement, parse } from 'node-html-parser';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Http } from './client';

/**
 * A database of the file's own (migrated and seeded): the public pages show
 * everything in it, and the page settings are one row, so a file that checks
 * what `/` shows cannot share the run's database with files that change them.
 * Call before `useApiFixture(env, pagesCacheOptions())` with the same object: its URL is filled in
 * before the api starts, and the database is dropped after the api stops.
 */
export function usePagesDatabase(): Record<string, string> {
  const env: Record<string, string> = {};
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const database = await createTestDatabase('sp_pages_test');
    const client = await createDb({ url: database.url, poolSize: 2 });
    await seedDevelopmentData(client.db);
    await client.close();
    env.DATABASE_URL = database.url;
    drop = database.drop;
  });
  afterAll(async () => {
    await drop?.();
  });
  return env;
}

export interface Page {
  status: number;
  headers: Headers;
  html: string;
  root: HTMLElement;
  /** The visible text of an element, whitespace collapsed. */
  text(selector?: string): string;
  all(selector: string): HTMLElement[];
}

/** GETs a page as a browser would (Accept: text/html) and parses it. */
export async function getPage(http: Http, path: string, headers: Record<string, string> = {}): Promise<Page> {
  const response = await http.get(path, { headers: { accept: 'text/html', ...headers } });
  const root = parse(response.text);
  return {
    status: response.status,
    headers: response.headers,
    html: response.text,
    root,
    text: (selector) => textOf(selector ? root.querySelector(selector) : root),
    all: (selector) => root.querySelectorAll(selector),
  };
}

/** An element's text with whitespace collapsed ('' for none). */
export function textOf(element: HTMLElement | null | undefined) {
  return (element?.textContent ?? '').replace(/\s+/g, ' ').trim();
}

/** A page answered 200 as HTML. */
export function expectHtmlPage(page: Page, status = 200) {
  expect(page.status, page.html.slice(0, 500)).toBe(status);
  expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(page.html.startsWith('<!doctype html>')).toBe(true);
}

/** The number of days an element of a 90-day bar stands for (its `n<days>` class). */
export function daysOf(element: HTMLElement | undefined) {
  const match = /(?:^|\s)n(\d+)(?:\s|$)/.exec(element?.getAttribute('class') ?? '');
  return match ? Number(match[1]) : 0;
}

/**
 * The public cache of an api on its own database hears only its own writes: other files' writes
 * (on the run's database) would clear it between two requests of a test.
 */
export function pagesCacheOptions() {
  return { publicCacheChannel: `pages-cache-${randomBytes(6).toString('hex')}` };
}
