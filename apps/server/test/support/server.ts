import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import type { ServerConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/logging.js';
import { startServer } from '../../src/server.js';
import type { ServerHandle, StartOptions } from '../../src/server.js';

/** Environment for a server that binds only ephemeral loopback ports, with its own data folder. */
export function isolatedEnv(dataDir: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    SWITCHBOARD_DATA_DIR: dataDir,
    SWITCHBOARD_BIND: '127.0.0.1',
    SWITCHBOARD_PUBLIC_ADDRESS: '127.0.0.1',
    SWITCHBOARD_HTTP_PORT: '0',
    SWITCHBOARD_HTTPS_PORT: '0',
    SWITCHBOARD_SIP_PORT: '0',
    SWITCHBOARD_SIPS_PORT: '0',
    SWITCHBOARD_LOG_LEVEL: 'warn',
    ...extra,
  };
}

/** startServer in-process on ephemeral ports and a temp data folder; `stop()` removes it all. */
export async function startTestServer(
  env: Record<string, string> = {},
  options: StartOptions = {},
): Promise<{ server: ServerHandle; config: ServerConfig; stop(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-server-'));
  const config = loadConfig({ env: isolatedEnv(dataDir, env), cwd: dataDir });
  const server = await startServer(config, { logger: createLogger('silent'), ...options });
  return {
    server,
    config,
    async stop() {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
