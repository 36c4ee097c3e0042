import { defineConfig } from 'tsup';

// ESM for publishing; the declarations come from scripts/build-types.ts (a self-contained
// router type: nothing of the api is bundled, required at runtime or imported by the types).
export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm'],
  target: 'node20',
  platform: 'neutral',
  sourcemap: true,
  clean: true,
  external: [/^@trpc\//],
});
