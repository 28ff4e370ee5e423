import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The portal is served by apps/server from apps/web/dist. In development, `npm run dev -w apps/web`
// serves it with hot reload and forwards the API, the event stream and SIP over WebSocket to a
// server running on its default port.
const backend = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  server: {
    proxy: {
      '/api/events': { target: backend, ws: true },
      '/api': { target: backend },
      '/sip': { target: backend, ws: true },
    },
  },
});
