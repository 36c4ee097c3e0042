/**
 * Writes the SDK's published declarations (`dist/*.d.ts`, after tsup wrote the
 * JavaScript): the SDK's own files, with `router.d.ts` replaced by a
 * self-contained declaration of the api's client router (every procedure's
 * input and output spelled out, importing only `@trpc/server`). A consumer of
 * the published package then gets the real types without `@statuspage/api`,
 * which is never published.
 *
 *   tsx scripts/build-types.ts [--out-dir DIR]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const sdkDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(sdkDir, 'src');
const clientRouterSource = resolve(sdkDir, '../../apps/api/src/client-router.ts');

export const sdkSourceFiles = ['index.ts', 'client.ts', 'errors.ts', 'router.ts'];

function fail(message: string): never {
  throw new Error(`build-types: ${message}`);
}

function compilerOptions(): ts.CompilerOptions {
  const configPath = resolve(sdkDir, '../../tsconfig.base.json');
  const read = ts.readConfigFile(configPath, ts.sys.readFile);
  if (read.error) fail(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, dirname(configPath));
  return {
    ...parsed.options,
    declaration: true,
    emitDeclarationOnly: true,
    noEmit: false,
    declarationMap: false,
    sourceMap: false,
    composite: false,
    incremental: false,
  };
}

function diagnosticsText(diagnostics: readonly ts.Diagnostic[]) {
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => sdkDir,
    getNewLine: () => '\n',
  });
}

/** Relative specifiers get the `.js` a Node ESM consumer resolves (`./client` → `./client.js`). */
function withJsExtensions(text: string) {
  return text.replace(/(from\s+|import\()(['"])(\.\.?\/[^'"]+?)(?<!\.js)\2/g, '$1$2$3.js$2');
}

/** Every module a declaration imports, by specifier. */
function importedModules(text: string) {
  const specifiers = new Set<string>();
  for (const match of text.matchAll(/(?:from\s+|import\()\s*['"]([^'"]+)['"]/g)) specifiers.add(match[1] as string);
  return [...specifiers];
}

/** The api's client router declaration, made into the SDK's `router.d.ts`. */
function routerDeclaration(emitted: string) {
  const foreign = importedModules(emitted).filter((specifier) => !specifier.startsWith('@trpc/server'));
  if (foreign.length > 0) {
    fail(
      `the client router's declaration imports ${foreign.join(', ')}; ` +
        'apps/api/src/client-router.ts must keep its types expressible with @trpc/server alone',
    );
  }
  if (!/export declare const clientRouter: /.test(emitted)) fail('clientRouter not found in the emitted declaration');
  const body = emitted
    // A type, not a value: nothing named clientRouter exists in the SDK at runtime.
    .replace('export declare const clientRouter: ', 'declare const clientRouter: ')
    .replace(/^export \{\};\s*$/m, '');
  return [
    '// The api router as clients see it: generated from apps/api/src/client-router.ts at build time.',
    body.trimEnd(),
    'export type AppRouter = ClientRouter;',
    '',
  ].join('\n');
}

export function buildTypes(outDir: string) {
  const options = compilerOptions();
  const roots = [...sdkSourceFiles.map((file) => join(srcDir, file)), clientRouterSource];
  const program = ts.createProgram({ rootNames: roots, options });

  const preEmit = roots.flatMap((file) => [...ts.getPreEmitDiagnostics(program, program.getSourceFile(file))]);
  if (preEmit.length > 0) fail(`type errors:\n${diagnosticsText(preEmit)}`);

  const outputs = new Map<string, string>();
  for (const file of roots) {
    const source = program.getSourceFile(file) ?? fail(`${file} is not in the program`);
    const result = program.emit(
      source,
      (_name, text) => outputs.set(file, text),
      undefined,
      true, // declarations only
    );
    if (result.diagnostics.length > 0) fail(`declaration emit failed:\n${diagnosticsText(result.diagnostics)}`);
  }

  mkdirSync(outDir, { recursive: true });
  const written: string[] = [];
  for (const file of sdkSourceFiles) {
    const source = join(srcDir, file);
    let text =
      file === 'router.ts'
        ? routerDeclaration(outputs.get(clientRouterSource) ?? fail('no declaration for the client router'))
        : (outputs.get(source) ?? fail(`no declaration for ${file}`));
    text = withJsExtensions(text);
    const leaked = importedModules(text).filter((specifier) => specifier.startsWith('@statuspage/'));
    if (leaked.length > 0) fail(`${file}'s declaration imports ${leaked.join(', ')}, which is not published`);
    const target = join(outDir, `${basename(file, '.ts')}.d.ts`);
    writeFileSync(target, text);
    written.push(relative(process.cwd(), target));
  }
  return written;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const flag = process.argv.indexOf('--out-dir');
  const outDir = resolve(
    flag >= 0 ? (process.argv[flag + 1] ?? fail('--out-dir needs a directory')) : join(sdkDir, 'dist'),
  );
  const started = performance.now();
  const written = buildTypes(outDir);
  console.log(`declarations: ${written.join(', ')} (${Math.round(performance.now() - started)} ms)`);
}
