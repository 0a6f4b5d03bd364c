/**
 * `cdk-jobs dev --from/--until`: a bad window is refused with a clear error before anything starts
 * (no emulator, no synthesis, nothing written).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runDev } from '../../../tools/local/dev';
import { DevOptionError } from '../../../tools/local/dev-report';

describe('runDev: the simulated window', () => {
  const cases: Array<[string, { from?: string; until?: string }, string]> = [
    ['--until before --from', { from: '2027-04-08T00:00:00Z', until: '2027-03-25T00:00:00Z' }, "--until: expected an instant after --from (2027-04-08T00:00:00.000Z), got '2027-03-25T00:00:00Z'"],
    ['--until equal to --from', { from: '2027-03-25T00:00:00Z', until: '2027-03-25T00:00:00Z' }, "--until: expected an instant after --from (2027-03-25T00:00:00.000Z), got '2027-03-25T00:00:00Z'"],
    ['--from that is not an instant', { from: '2027-13-45', until: '7d' }, "--from: expected an ISO instant (2026-03-07T00:00:00Z), got '2027-13-45'"],
    ['--from without --until', { from: '2027-03-25T00:00:00Z' }, '--from: only meaningful with --until (a simulation)'],
    ['--until in the past without --from', { until: '2020-01-01T00:00:00Z' }, '--until: expected an instant after now ('],
  ];

  it.each(cases)('refuses %s before any side effect', async (_name, window, message) => {
    const projectDir = mkdtempSync(join(tmpdir(), 'dev-window-'));
    const stateDir = join(projectDir, '.local');
    const error = await runDev({ projectDir, stateDir, ...window, progress: false, output: { stdout: () => undefined, stderr: () => undefined } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevOptionError);
    expect((error as Error).message).toContain(message);
    expect(existsSync(stateDir)).toBe(false);
  });
});
