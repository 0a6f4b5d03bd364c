/**
 * Integration-test helper: one private moto_server per test file, started in beforeAll and stopped
 * in afterAll. Without a moto_server on PATH, local mode's pinned moto is installed into the
 * repository's `.local/moto-venv` on first use (python3 needed); fails (never skips) when that is
 * impossible.
 */
import { resolve } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { ADMIN_BOOTSTRAP_CALLS, bootstrapAdmin } from '../../tools/local/iam-identities';
import type { LocalIam } from '../../tools/local/local-stack';
import { localClientConfig, startEmulator, type LocalEndpoint } from '../../tools/local/moto-server';

export interface MotoHandle {
  /** The running endpoint; valid inside tests (after beforeAll). */
  readonly endpoint: LocalEndpoint;
  /** With `iam`: the administrator (after beforeAll). */
  readonly admin: LocalIam['admin'] | undefined;
  /** SDK client config for the endpoint (signed as the administrator with `iam`). */
  config(): ReturnType<typeof localClientConfig>;
}

/**
 * @param options.atomic serve one request at a time (see `StartEmulatorOptions.atomic`).
 * @param options.iam check IAM as local mode does (`iam-identities.ts`): `admin` holds the
 *   administrator created first, and `config()` signs as it; any other caller needs an identity.
 */
export function useMoto(options: { readonly atomic?: boolean; readonly iam?: boolean } = {}): MotoHandle {
  let endpoint: LocalEndpoint | undefined;
  let admin: LocalIam['admin'] | undefined;
  beforeAll(async () => {
    endpoint = await startEmulator({
      forceLocal: true,
      atomic: options.atomic,
      projectDir: resolve(__dirname, '..', '..'),
      ...(options.iam ? { initialNoAuthActionCount: ADMIN_BOOTSTRAP_CALLS } : {}),
    });
    if (options.iam) admin = await bootstrapAdmin(endpoint.url, 'us-east-1');
  });
  afterAll(async () => {
    await endpoint?.stop();
  });
  return {
    get endpoint() {
      if (!endpoint) throw new Error('moto_server is not started yet: use it inside a test or beforeEach');
      return endpoint;
    },
    get admin() {
      return admin;
    },
    config() {
      return localClientConfig(this.endpoint, undefined, admin);
    },
  };
}
