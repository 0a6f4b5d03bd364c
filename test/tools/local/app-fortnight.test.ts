/**
 * The example app in local mode over a past-or-future fortnight, 2027-03-25 to 2027-04-08 UTC: the
 * EU springs forward on 28 March, Sydney and Chatham fall back on 4 April. From the emails SES
 * accepted (`sent` of `cdk-jobs dev --json`): every opted-in seeded recipient gets exactly one
 * `morning-promotions` email per local calendar day, at 08:00 on their own clock, on the DST days
 * too; the opted-out ones get none; and every run of every job succeeds.
 */
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoRecipients } from '../../../lambdas/jobs/morning-promotions/seed';
import { jsonSummary } from '../../../tools/local/dev-report';
import { runDev, type DevResult } from '../../../tools/local/dev';

const projectDir = resolve(__dirname, '..', '..', '..');
const stateDir = join(projectDir, '.local', `test-app-fortnight-${process.pid}`);
const from = '2027-03-25T00:00:00Z';
const until = '2027-04-08T00:00:00Z';

/** Local date and time of an instant on a zone's clock. */
function local(at: string, timeZone: string): { date: string; time: string } {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(at));
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return { date: `${get('year')}-${get('month')}-${get('day')}`, time: `${get('hour')}:${get('minute')}` };
}

/** The local dates whose 08:00 falls inside the window, on a zone's clock. */
function mornings(timeZone: string): string[] {
  const dates = new Set<string>();
  for (let t = Date.parse(from); t <= Date.parse(until); t += 15 * 60_000) {
    const l = local(new Date(t).toISOString(), timeZone);
    if (l.time === '08:00') dates.add(l.date);
  }
  return [...dates].sort();
}

describe('local mode: the example app over a simulated fortnight across the March/April 2027 DST changes', () => {
  let result: DevResult;
  let sent: Array<{ job: string; to: string; timeZone: string | null; at: string }>;
  const log: string[] = [];
  const recipients = demoRecipients(new Date(from));

  beforeAll(async () => {
    result = await runDev({
      projectDir,
      stateDir,
      from,
      until,
      progress: false,
      forceLocalEmulator: true,
      output: { stdout: (t) => log.push(t), stderr: (t) => log.push(t) },
    });
    // What `--json` prints.
    sent = (JSON.parse(jsonSummary(result.runs, result.window, result.sent)) as { sent: typeof sent }).sent;
  }, 1_200_000);

  afterAll(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('simulates the window asked for, not one from now', () => {
    expect(result.window).toEqual({ from: Date.parse(from), until: Date.parse(until) });
    const promotions = result.runs.filter((r) => r.job === 'morning-promotions' && r.trigger === 'schedule');
    // Slots after the start, up to and including the end (as Scheduler fires a schedule created at the start).
    expect(promotions[0]?.scheduledTime).toBe('2027-03-25T00:15:00Z');
    expect(promotions.at(-1)?.scheduledTime).toBe('2027-04-08T00:00:00Z');
  });

  it('sends each opted-in recipient exactly one promotion per local day, at 08:00 on their clock; none to the opted-out', () => {
    const promotions = sent.filter((s) => s.job === 'morning-promotions');
    const optedIn = recipients.filter((r) => !r.optedOut);
    expect(optedIn.length).toBe(13);
    expect(new Set(optedIn.map((r) => r.timeZone)).size).toBe(8);
    for (const recipient of recipients) {
      const theirs = promotions.filter((s) => s.to === recipient.email);
      const days = theirs.map((s) => ({ zone: s.timeZone, ...local(s.at, recipient.timeZone) }));
      const expected = recipient.optedOut ? [] : mornings(recipient.timeZone).map((date) => ({ zone: recipient.timeZone, date, time: '08:00' }));
      expect({ to: recipient.email, days }).toEqual({ to: recipient.email, days: expected });
    }
    // Nothing to anyone else.
    expect(new Set(promotions.map((s) => s.to))).toEqual(new Set(optedIn.map((r) => r.email)));
  });

  it('covers the DST days: the EU spring-forward (28 March) and the Sydney and Chatham fall-back (4 April)', () => {
    const on = (zone: string, date: string) =>
      sent.filter((s) => s.job === 'morning-promotions' && s.timeZone === zone && local(s.at, zone).date === date).map((s) => s.at);
    // Berlin: 07:00Z before the change, 06:00Z on the day of it.
    expect(on('Europe/Berlin', '2027-03-27')).toEqual([expect.stringMatching(/^2027-03-27T07:00:/)]);
    expect(on('Europe/Berlin', '2027-03-28')).toEqual([expect.stringMatching(/^2027-03-28T06:00:/)]);
    expect(on('Europe/London', '2027-03-28')).toHaveLength(2);
    // Sydney falls back at 03:00 on the 4th: 08:00 is 21:00Z the day before (UTC+11) on the 3rd, 22:00Z (UTC+10) on the 4th.
    expect(on('Australia/Sydney', '2027-04-03')).toEqual([expect.stringMatching(/^2027-04-02T21:00:/), expect.stringMatching(/^2027-04-02T21:00:/)]);
    expect(on('Australia/Sydney', '2027-04-04')).toEqual([expect.stringMatching(/^2027-04-03T22:00:/), expect.stringMatching(/^2027-04-03T22:00:/)]);
    // Chatham falls back at 03:45 on the 4th: +13:45 then +12:45; one opted-in recipient.
    expect(on('Pacific/Chatham', '2027-04-03')).toEqual([expect.stringMatching(/^2027-04-02T18:15:/)]);
    expect(on('Pacific/Chatham', '2027-04-04')).toEqual([expect.stringMatching(/^2027-04-03T19:15:/)]);
  });

  it('shows the sends to a human: under the run that sent them and in the summary', () => {
    const text = log.join('');
    expect(text).toMatch(/sent to [a-z]+\.\d+@example\.com at 2027-03-28 08:00 Europe\/Berlin/);
    expect(text).toContain("Emails sent: ");
    expect(text).toMatch(/morning-promotions .*Pacific\/Chatham .* 14 .*2027-03-26 \.\. 2027-04-08 .*08:00/);
  });

  it('succeeds: every run of every job', () => {
    expect(result.runs.filter((r) => r.status !== 'SUCCEEDED').map((r) => `${r.job} ${r.scheduledTime} ${r.status}: ${r.reason ?? r.error?.message}`)).toEqual([]);
    expect(result.exitCode).toBe(0);
  });
});
