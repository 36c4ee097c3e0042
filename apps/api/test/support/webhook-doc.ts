/**
 * The signature check of docs/api/11-webhooks.md, run as written: its ```js block is taken from the
 * guide and imported, so the tests verify our signatures with exactly what integrators copy.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const guide = join(import.meta.dirname, '../../../../docs/api/11-webhooks.md');

export type VerifySignature = (rawBody: string, header: unknown, secret: string, nowSeconds?: number) => boolean;

/** `verifyStatusPageSignature` from the guide's Node snippet. */
export async function documentedVerifier(): Promise<VerifySignature> {
  const text = readFileSync(guide, 'utf8');
  const snippet = /```js\n([\s\S]*?)```/.exec(text)?.[1];
  if (!snippet?.includes('verifyStatusPageSignature'))
    throw new Error('the webhooks guide has no verification snippet');
  const file = join(mkdtempSync(join(tmpdir(), 'webhook-doc-')), 'verify.mjs');
  writeFileSync(file, snippet);
  const module = (await import(/* @vite-ignore */ pathToFileURL(file).href)) as {
    verifyStatusPageSignature?: VerifySignature;
  };
  if (!module.verifyStatusPageSignature) throw new Error('the snippet exports no verifyStatusPageSignature');
  return module.verifyStatusPageSignature;
}
