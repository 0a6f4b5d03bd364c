/**
 * The example app (bin/app.ts, the cdk.json command) in local mode, synthesized once: a simulated
 * week and a day from 24 October 2026 00:00 UTC (London leaves summer time on the 25th; the
 * month turns on 1 November, a Sunday) fires every job at exactly the instants nextRuns gives,
 * and every run succeeds.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { schedulerTime } from '../../../tools/local/clock';
import { runDev, WATCHDOG_SCHEDULE, watchdogSchedules, type DevResult } from '../../../tools/local/dev';
import { WATCHDOG_SCHEDULE_NAME } from '../../../lib/contract';
import { nextRuns } from '../../../lib/schedule';

const projectDir = resolve(__dirname, '..', '..', '..');
const stateDir = join(projectDir, '.local', `test-app-week-${process.pid}`);
const from = '2026-10-24T00:00:00Z';
const until = '2026-11-01T06:00:00Z';

describe('local mode: the example app over a simulated week', () => {
  let result: DevResult;
  const log: string[] = [];

  beforeAll(async () => {
    result = await runDev({
      projectDir,
      stateDir,
      from,
      until,
      progress: false,
      forceLocalEmulator: true,
      cache: false,
      output: { stdout: (t) => log.push(t), stderr: (t) => log.push(t) },
    });
  }, 600_000);

  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('fires every job at exactly the instants nextRuns gives for the window', () => {
    const jobSchedules = Object.values(result.stack.schedules).filter((s) => s.name !== WATCHDOG_SCHEDULE && s.state === 'ENABLED');
    // Every job of the app that has a recurring schedule is checked (the one-time payment reminder has none).
    const scheduledJobs = Object.entries(result.stack.jobs).filter(([, job]) => job.scheduleLogicalId !== undefined);
    expect(jobSchedules.map((s) => s.name).sort()).toEqual(scheduledJobs.map(([name]) => name).sort());
    expect(jobSchedules.length).toBeGreaterThanOrEqual(6);
    for (const schedule of jobSchedules) {
      const expected = nextRuns(schedule.expression, {
        timeZone: schedule.timeZone,
        after: new Date(from),
        start: new Date(schedule.startDate ?? from),
        count: 1000,
      })
        .filter((d) => d.getTime() <= Date.parse(until))
        .map((d) => schedulerTime(d.getTime()));
      const fired = result.runs.filter((r) => r.trigger === 'schedule' && r.schedule === `${schedule.groupName}/${schedule.name}`).map((r) => r.scheduledTime);
      expect({ job: schedule.name, fired }).toEqual({ job: schedule.name, fired: expected });
      expect(expected.length).toBeGreaterThan(0);
    }
  });

  it('follows London across the end of summer time, and runs the monthly and weekly jobs', () => {
    const slots = (job: string) => result.runs.filter((r) => r.job === job).map((r) => r.scheduledTime);
    // 09:00 in London: BST (UTC+1) on the 24th, GMT from the 25th.
    expect(slots('birthday-emails').slice(0, 3)).toEqual(['2026-10-24T08:00:00Z', '2026-10-25T09:00:00Z', '2026-10-26T09:00:00Z']);
    expect(slots('monthly-sales-report')).toEqual(['2026-11-01T01:00:00Z']);
    expect(slots('weekly-log-cleanup')).toEqual(['2026-10-25T02:00:00Z', '2026-11-01T02:00:00Z']);
  });

  it('runs the watchdog once per simulated hour while time travelling', () => {
    expect(WATCHDOG_SCHEDULE).toBe(WATCHDOG_SCHEDULE_NAME);
    const [watchdog] = watchdogSchedules(result.stack);
    expect(watchdog.expression).toBe('rate(5 minutes)');
    const times = result.runs.filter((r) => r.job === WATCHDOG_SCHEDULE).map((r) => Date.parse(r.scheduledTime));
    expect(times.length).toBe(198);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBe(3_600_000);
  });

  it('succeeds: no run fails', () => {
    expect(result.runs.filter((r) => r.status === 'FAILED').map((r) => `${r.job} ${r.scheduledTime}: ${r.error?.message}`)).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});
