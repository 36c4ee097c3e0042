import { defineConfig } from 'tsup';

// ESM + declarations for publishing. The router types come from @statuspage/api as a
// type-only import: nothing of the api is bundled or required at runtime.
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  dts: true,
  external: [/^@trpc\//],
});
