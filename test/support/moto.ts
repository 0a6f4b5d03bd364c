/**
 * Integration-test helper: one private moto_server per test file, started in beforeAll and stopped
 * in afterAll. Without a moto_server on PATH, local mode's pinned moto is installed into the
 * repository's `.local/moto-venv` on first use (python3 needed); fails (never skips) when that is
 * impossible.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { localClientConfig, startEmulator, type LocalEndpoint } from '../../tools/local/moto-server';

export interface MotoHandle {
  /** The running endpoint; valid inside tests (after beforeAll). */
  readonly endpoint: LocalEndpoint;
  /** SDK client config for the endpoint. */
  config(): ReturnType<typeof localClientConfig>;
}

/** @param options.atomic serve one request at a time (see `StartEmulatorOptions.atomic`). */
export function useMoto(options: { readonly atomic?: boolean } = {}): MotoHandle {
  let endpoint: LocalEndpoint | undefined;
  beforeAll(async () => {
    endpoint = await startEmulator({ forceLocal: true, atomic: options.atomic, projectDir: resolve(__dirname, '..', '..') });
  });
  afterAll(async () => {
    await endpoint?.stop();
  });
  return {
    get endpoint() {
      if (!endpoint) throw new Error('moto_server is not started yet: use it inside a test or beforeEach');
      return endpoint;
    },
    config() {
      return localClientConfig(this.endpoint);
    },
  };
}
