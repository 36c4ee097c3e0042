import { defineConfig } from 'tsup';

// One ESM bundle per app; workspace packages (TypeScript source) are bundled in,
// npm dependencies stay external and load from node_modules.
export default defineConfig({
  entry: ['src/main.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'node',
  sourcemap: true,
  clean: true,
  noExternal: [/^@statuspage\//],
  // The db package's embedded PGlite driver is never loaded here (the worker requires DATABASE_URL).
  external: ['@electric-sql/pglite'],
});
