// Vite config of the playground: `npm run build:web` (vite build web) writes
// web/dist, a static site with every script and style bundled (no network).
// The build fails if a Node built-in is imported anywhere.
import { defineConfig } from 'vite';
import { noNodeBuiltins } from '../scripts/vite-no-node-builtins.mjs';

export default defineConfig({
  base: './',
  plugins: [noNodeBuiltins()],
  // The worker imports the graph-layout engine on demand, which needs ES-module workers.
  worker: { format: 'es', plugins: () => [noNodeBuiltins()] },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
  },
});
