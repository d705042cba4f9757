/**
 * Vite build of the web client: `web/dist/` (hashed assets + index.html), served by the gateway
 * under `pnpm dev` (scripts/web-build.ts rebuilds it when stale) or by any static web server.
 * `pnpm --filter @ebook/web dev` serves it with hot reload on http://localhost:3000 (the default
 * registered redirect URI) and proxies the API, `/config.json` and the reading content paths (`/content/`) to the gateway on :4000.
 */
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const gateway = process.env.WEB_GATEWAY_URL ?? 'http://localhost:4000';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
  server: { port: 3000, strictPort: true, proxy: { '/graphql': gateway, '/config.json': gateway, '/content': gateway } },
});
