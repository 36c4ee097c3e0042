/**
 * Writes the generated OpenAPI document to a file, for other languages' client generators.
 *
 *   pnpm openapi:export                 # → dist/openapi.json at the repository root
 *   pnpm openapi:export openapi.yaml    # a path of your own (relative to where you ran it); .yaml/.yml writes YAML
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { buildOpenApiDocument } from '../src/app';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
// pnpm runs the script from apps/api; INIT_CWD is where the user typed the command.
const cwd = process.env.INIT_CWD ?? process.cwd();
const target = resolve(cwd, process.argv[2] ?? resolve(repoRoot, 'dist/openapi.json'));

const { version } = JSON.parse(readFileSync(resolve(here, '../package.json'), 'utf8')) as { version: string };
const document = buildOpenApiDocument(version);
const text = /\.ya?ml$/i.test(target) ? stringify(document) : `${JSON.stringify(document, null, 2)}\n`;
mkdirSync(dirname(target), { recursive: true });
writeFileSync(target, text);
console.log(`wrote the OpenAPI document (${Object.keys(document.paths ?? {}).length} paths) to ${target}`);
