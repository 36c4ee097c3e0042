import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiServer } from '../src/server';
import { startTestApi, unique } from './support/api';

/**
 * Runs every ```sh block of the API guides (docs/api/*.md) with bash against a
 * real api, so the guides cannot rot. Each block is self-contained; it reads
 * BASE (the api URL) and SUFFIX (unique per block, for names and e-mails) and
 * checks its own results with `curl -f` and `jq -e`.
 */
const docsDir = join(import.meta.dirname, '../../../docs/api');

interface Block {
  file: string;
  line: number;
  code: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(join(docsDir, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  let start = -1;
  for (const [index, line] of lines.entries()) {
    if (start < 0 && line.trim() === '```sh') start = index;
    else if (start >= 0 && line.trim() === '```') {
      blocks.push({ file, line: start + 1, code: lines.slice(start + 1, index).join('\n') });
      start = -1;
    }
  }
  return blocks;
}

const files = readdirSync(docsDir)
  .filter((name) => name.endsWith('.md'))
  .sort();
const blocks = files.flatMap(blocksOf);

function runBash(code: string, env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      'bash',
      ['-c', `set -euxo pipefail\n${code}`],
      { env: { ...process.env, ...env }, timeout: 25_000, maxBuffer: 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const status = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code: status, stdout, stderr });
      },
    );
  });
}

describe('docs/api guides', () => {
  let api: ApiServer;
  beforeAll(async () => {
    api = await startTestApi();
  });
  afterAll(() => api.close());

  it('has a guide per area, each with examples', () => {
    expect(files.length).toBeGreaterThanOrEqual(7);
    for (const file of files) expect(blocksOf(file).length, file).toBeGreaterThan(0);
  });

  it.each(blocks.map((block) => [`${block.file}:${block.line}`, block] as const))('%s runs', async (_name, block) => {
    const result = await runBash(block.code, { BASE: api.url, SUFFIX: unique('doc') });
    expect(result.code, `stdout:\n${result.stdout}\nstderr:\n${result.stderr}`).toBe(0);
  });
});
