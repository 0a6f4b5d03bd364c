/**
 * `cdk-jobs run --slot` and `cdk-jobs backfill` against the CLI test app provisioned in moto (see
 * cli.moto.test.ts): past slots run in-process with their own scheduled time, a slot that succeeded
 * is left alone, a failed one is run again, and a second backfill over the same window runs nothing.
 * Bad usage exits 2 before anything runs. The expected slots come from the calendar.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { lambdaTargetEvent } from '../../../tools/local/async-invocation';
import { LocalLambda } from '../../../tools/local/local-lambda';
import type { LocalStackFile } from '../../../tools/local/local-stack';
import { runCli } from '../../../tools/cli/commands/program';
import { useMoto } from '../../support/moto';
import { Capture, provisionFixture } from './fixtures/platform';

const moto = useMoto();

/** Friday 27 March 2026, 12:00 UTC: Paris is on CET (+01:00), so nightly-report's 02:30 is 01:30 UTC. */
const NOW = new Date('2026-03-27T12:00:00Z');
/** nightly-report's slots in the window: 20, 21, 22 and 23 March at 02:30 in Paris. */
const WINDOW = ['--from', '2026-03-20T00:00:00Z', '--to', '2026-03-24T00:00:00Z'];

/** What running handlers in-process says on stderr: where their output went. */
const LOGS_NOTE = expect.stringMatching(/^logs: \.local\/logs\/nightly-report\/[^/]+\.log\n$/) as unknown as string;

let stack: LocalStackFile;
let projectDir: string;

async function jobs(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { stdout, stderr, env: { JOBS_STACK: 'CliJobs' }, cwd: projectDir, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** The table the CLI prints, built independently: columns padded to their widest cell, two spaces apart. */
function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

/** Delivers a slot of nightly-report to its bundled handler the way Scheduler would, with `payload` when given. */
async function deliver(scheduledTime: string, payload?: unknown) {
  const schedule = Object.values(stack.schedules).find((s) => s.name === 'nightly-report')!;
  const event = lambdaTargetEvent(schedule.name, schedule.target.input, {
    scheduleArn: schedule.arn,
    scheduledTime,
    executionId: randomUUID(),
    attemptNumber: 1,
  }) as Record<string, unknown>;
  const fn = stack.functions[stack.jobs['nightly-report'].functionLogicalId];
  return new LocalLambda({ stack, output: () => undefined }).invoke(fn, payload === undefined ? event : { ...event, payload });
}

beforeAll(async () => {
  ({ stack, projectDir } = await provisionFixture(moto.endpoint.url));
}, 300_000);

describe('cdk-jobs backfill', () => {
  beforeAll(async () => {
    expect((await deliver('2026-03-21T01:30:00Z')).ok).toBe(true);
    expect((await deliver('2026-03-22T01:30:00Z', { fail: true })).ok).toBe(false);
  });

  it('dry run: lists the slots that did not succeed and runs nothing', async () => {
    const result = await jobs(['backfill', 'nightly-report', ...WINDOW, '--local', '--dry-run']);

    expect(result).toEqual({
      code: 0,
      stderr: '',
      stdout:
        table([
          ['SLOT', 'Europe/Paris', 'WAS'],
          ['2026-03-20T01:30:00.000Z', '2026-03-20 02:30 +01:00', 'not recorded'],
          ['2026-03-22T01:30:00.000Z', '2026-03-22 02:30 +01:00', 'FAILED'],
          ['2026-03-23T01:30:00.000Z', '2026-03-23 02:30 +01:00', 'not recorded'],
        ]) + '\ndry run: 3 of 4 slots would run (1 already succeeded); nothing was run\n',
    });
  });

  it('runs the missing and the failed slots oldest first with their scheduled time; a second backfill runs nothing', async () => {
    const first = await jobs(['backfill', 'nightly-report', ...WINDOW, '--local']);

    expect(first).toEqual({
      code: 0,
      stderr: LOGS_NOTE,
      stdout:
        table([
          ['SLOT', 'Europe/Paris', 'WAS', 'RESULT'],
          ['2026-03-20T01:30:00.000Z', '2026-03-20 02:30 +01:00', 'not recorded', 'SUCCEEDED'],
          ['2026-03-22T01:30:00.000Z', '2026-03-22 02:30 +01:00', 'FAILED', 'SUCCEEDED'],
          ['2026-03-23T01:30:00.000Z', '2026-03-23 02:30 +01:00', 'not recorded', 'SUCCEEDED'],
        ]) + '\nnightly-report: 4 slots, 1 already succeeded, 3 ran: 3 succeeded, 0 failed\n',
    });

    const history = await jobs(['history', 'nightly-report', '--local', '--json']);
    const rows = JSON.parse(history.stdout) as Array<{ slot: string; status: string; attempt: number; trigger: string }>;
    expect(rows.map((r) => [r.slot, r.status, r.attempt, r.trigger])).toEqual([
      ['2026-03-23T01:30:00.000Z', 'SUCCEEDED', 1, 'manual'],
      ['2026-03-22T01:30:00.000Z', 'SUCCEEDED', 2, 'scheduled'],
      ['2026-03-21T01:30:00.000Z', 'SUCCEEDED', 1, 'scheduled'],
      ['2026-03-20T01:30:00.000Z', 'SUCCEEDED', 1, 'manual'],
    ]);

    const second = await jobs(['backfill', 'nightly-report', ...WINDOW, '--local', '--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      job: 'nightly-report',
      from: '2026-03-20T00:00:00.000Z',
      to: '2026-03-24T00:00:00.000Z',
      dryRun: false,
      slots: 4,
      alreadySucceeded: 4,
      ran: 0,
      succeeded: 0,
      failed: 0,
      runs: [],
    });
  });

  it('rejects bad usage with exit code 2 before running anything', async () => {
    const cases: Array<[string[], string]> = [
      [
        ['backfill', 'nightly-report', '--from', '2026-03-24T00:00:00Z', '--to', '2026-03-20T00:00:00Z', '--local'],
        "cdk-jobs: CliUsageError: job 'nightly-report': --to: expected an instant after --from (2026-03-24T00:00:00.000Z), got 2026-03-20T00:00:00.000Z\n",
      ],
      [
        ['backfill', 'nightly-report', '--from', '2026-03-20', '--to', '2026-03-24T00:00:00Z', '--local'],
        "cdk-jobs: CliUsageError: job 'nightly-report': --from: expected an ISO-8601 instant such as '2026-11-03T01:30:00Z', got '2026-03-20'\n",
      ],
      [
        ['backfill', 'nightly-report', '--from', '2026-03-20T00:00:00Z', '--to', '2026-03-28T00:00:00Z', '--local'],
        "cdk-jobs: CliUsageError: job 'nightly-report': --to: expected an instant that is not in the future (now is 2026-03-27T12:00:00.000Z), got 2026-03-28T00:00:00.000Z\n",
      ],
      [
        ['backfill', 'reminder', ...WINDOW, '--local'],
        "cdk-jobs: CliUsageError: job 'reminder': backfill: expected a job with a cron() or rate() schedule, got a one-time job (no recurring schedule); " +
          "run one instant with 'cdk-jobs run reminder --slot <instant>'\n",
      ],
      [
        ['backfill', 'nightly-report', ...WINDOW, '--concurrency', '0', '--local'],
        "cdk-jobs: CliUsageError: --concurrency: expected a whole number from 1 to 16, got '0'\n",
      ],
    ];
    for (const [args, stderr] of cases) {
      expect(await jobs(args)).toEqual({ code: 2, stdout: '', stderr });
    }
    const unknown = await jobs(['backfill', 'no-such-job', ...WINDOW, '--local']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^cdk-jobs: UnknownJobError: .*no-such-job/);
  });
});

describe('cdk-jobs run --slot', () => {
  it('runs a past slot with its scheduled time; run again, the slot is a duplicate that does nothing', async () => {
    const run = await jobs(['run', 'nightly-report', '--slot', '2026-03-25T02:30:00+01:00', '--local', '--json']);

    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      job: 'nightly-report',
      slot: '2026-03-25T01:30:00.000Z',
      where: 'local',
      mode: 'sync',
      ok: true,
      outcome: {
        job: 'nightly-report',
        slot: '2026-03-25T01:30:00.000Z',
        status: 'SUCCEEDED',
        attempt: 1,
        durationMs: expect.any(Number),
        result: { job: 'nightly-report', manual: true, note: 'nightly' },
      },
    });

    const again = await jobs(['run', 'nightly-report', '--slot', '2026-03-25T01:30:00Z', '--local']);
    expect(again).toEqual({
      code: 0,
      stderr: LOGS_NOTE,
      stdout: 'nightly-report: DUPLICATE (past slot, slot 2026-03-25T01:30:00.000Z, reason: already SUCCEEDED)\n',
    });
  });

  it('rejects an instant that is not a slot of the schedule, or in the future, with exit code 2', async () => {
    expect(await jobs(['run', 'nightly-report', '--slot', '2026-03-25T02:30:00Z', '--local'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cdk-jobs: CliUsageError: job 'nightly-report': --slot: expected an instant at which cron(30 2 * * ? *) in Europe/Paris fires, " +
        'got 2026-03-25T02:30:00.000Z; the nearest slots are 2026-03-25T01:30:00.000Z (before) and 2026-03-26T01:30:00.000Z (after)\n',
    });
    expect(await jobs(['run', 'nightly-report', '--slot', '2026-03-28T01:30:00Z', '--local'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cdk-jobs: CliUsageError: job 'nightly-report': --slot: expected an instant that is not in the future (now is 2026-03-27T12:00:00.000Z), got 2026-03-28T01:30:00.000Z\n",
    });
    const history = await jobs(['history', 'nightly-report', '--local', '--json']);
    const slots = (JSON.parse(history.stdout) as Array<{ slot: string }>).map((r) => r.slot);
    expect(slots).not.toContain('2026-03-25T02:30:00.000Z');
    expect(slots).not.toContain('2026-03-28T01:30:00.000Z');
  });
});
