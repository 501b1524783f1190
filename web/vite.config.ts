// Builds the web app into dist/, which the wheelhouse binary embeds and serves under --base-path.
import type { Plugin } from 'vite';
import { defineConfig } from 'vitest/config';

/** The marker the server replaces with `<base href>` and the JSON config script (see docs/api.md). */
const CONFIG_PLACEHOLDER = '<!--wheelhouse-config-->';

/**
 * In `vite` dev mode there is no Rust server to fill the placeholder, so fill it the same way with
 * a default config; `vite build` leaves it for the server.
 */
function devConfig(): Plugin {
  return {
    name: 'wheelhouse-dev-config',
    apply: 'serve',
    transformIndexHtml(html) {
      const config = { basePath: '/', locale: 'en', defaultLocale: 'en', locales: ['en', 'zh-CN'], version: 'dev' };
      return html.replace(
        CONFIG_PLACEHOLDER,
        `<base href="/"><script id="wheelhouse-config" type="application/json">${JSON.stringify(config)}</script>`,
      );
    },
  };
}

export default defineConfig({
  base: './',
  plugins: [devConfig()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: true,
    chunkSizeWarningLimit: 400,
    rolldownOptions: {
      onLog(level, log, handler) {
        // react-router marks its modules "use client" for React Server Components; irrelevant here.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: {
    // `WHEELHOUSE_URL=http://127.0.0.1:8080 npm run dev` sends API calls to a running wheelhouse.
    proxy: process.env.WHEELHOUSE_URL ? { '/api': process.env.WHEELHOUSE_URL } : undefined,
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    setupFiles: ['src/test/setup.ts'],
  },
});
