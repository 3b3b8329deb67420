import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { withCspMeta } from '../electron/core/web/page-csp';
import { rendererCsp } from '../electron/main/csp';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Writes the desktop app's production CSP (the one main sends as a header) into the built page:
 * over file:// a <meta> is the only policy the page gets. The dev server gets main's dev header.
 */
const desktopCspMeta: Plugin = {
  name: 'vxlan-studio-csp-meta',
  apply: 'build',
  transformIndexHtml: { order: 'post', handler: (html) => withCspMeta(html, rendererCsp(false)) },
};

export default defineConfig({
  root,
  // Relative asset URLs: the same build loads from file:// in Electron and from / in web mode.
  base: './',
  plugins: [react(), desktopCspMeta],
  build: {
    outDir: fileURLToPath(new URL('../dist/renderer', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 3000,
  },
});
