import { describe, expect, it } from 'vitest';
import {
  DevOptionError,
  jsonSummary,
  localTime,
  parseDuration,
  parseFrom,
  parseKeep,
  parseUntil,
  runLine,
  sentEmails,
  sentLine,
  sentTable,
  summarize,
  summaryTable,
} from '../../../tools/local/dev-report';
import type { LocalRun } from '../../../tools/local/local-scheduler';
import type { RequestRecord } from '../../../tools/local/request-recorder';

const start = Date.UTC(2026, 2, 1, 10, 30, 0);

function run(overrides: Partial<LocalRun>): LocalRun {
  return {
    job: 'cleanup',
    scheduledTime: '2026-03-01T11:00:00Z',
    status: 'SUCCEEDED',
    durationMs: 40,
    attempts: 1,
    trigger: 'schedule',
    functionName: 'Jobs-Cleanup-ABC',
    startedAt: '2026-03-01T11:00:00.012Z',
    ...overrides,
  };
}

describe('parseUntil', () => {
  it('reads durations in minutes, hours, days and weeks from the start', () => {
    expect(parseUntil('90m', start)).toBe(start + 90 * 60_000);
    expect(parseUntil('12h', start)).toBe(start + 12 * 3_600_000);
    expect(parseUntil('7d', start)).toBe(start + 7 * 86_400_000);
    expect(parseUntil('2W', start)).toBe(start + 14 * 86_400_000);
  });

  it('reads ISO instants, a missing offset meaning UTC', () => {
    expect(parseUntil('2026-03-08T12:00:00Z', start)).toBe(Date.UTC(2026, 2, 8, 12));
    expect(parseUntil('2026-03-08T12:00', start)).toBe(Date.UTC(2026, 2, 8, 12));
    expect(parseUntil('2026-03-08T12:00:00+01:00', start)).toBe(Date.UTC(2026, 2, 8, 11));
    expect(parseUntil('2026-03-09', start)).toBe(Date.UTC(2026, 2, 9));
  });

  it('rejects what it cannot read and instants not after the start', () => {
    expect(() => parseUntil('a week', start)).toThrow(
      new DevOptionError("--until: expected a duration (90m, 12h, 7d, 2w) or an ISO instant (2026-12-01T00:00:00Z), got 'a week'"),
    );
    expect(() => parseUntil('0d', start)).toThrow("--until: expected a positive duration, got '0d'");
    expect(() => parseUntil('2026-03-01T10:00:00Z', start)).toThrow(
      "--until: expected an instant after the start (2026-03-01T10:30:00.000Z), got '2026-03-01T10:00:00Z'",
    );
  });
});

describe('parseDuration', () => {
  it('reads minutes, hours, days and weeks and names the option when it cannot', () => {
    expect(parseDuration('5m', '--watchdog-every')).toBe(300_000);
    expect(parseDuration('1h', '--watchdog-every')).toBe(3_600_000);
    expect(parseDuration('2d', '--watchdog-every')).toBe(172_800_000);
    expect(parseDuration('1w', '--watchdog-every')).toBe(604_800_000);
    expect(() => parseDuration('0m', '--watchdog-every')).toThrow("--watchdog-every: expected a positive duration (30m, 1h, 2d, 1w), got '0m'");
    expect(() => parseDuration('hourly', '--watchdog-every')).toThrow(
      new DevOptionError("--watchdog-every: expected a positive duration (30m, 1h, 2d, 1w), got 'hourly'"),
    );
  });
});

describe('parseKeep', () => {
  it('reads 0 (stop at once), seconds and durations', () => {
    expect(parseKeep('0')).toBe(0);
    expect(parseKeep('90s')).toBe(90_000);
    expect(parseKeep('30m')).toBe(1_800_000);
    expect(parseKeep('2h')).toBe(7_200_000);
  });

  it('names --keep and what it expected', () => {
    expect(() => parseKeep('forever')).toThrow(new DevOptionError("--keep: expected 0 or a duration (90s, 30m, 2h), got 'forever'"));
    expect(() => parseKeep('-5m')).toThrow(new DevOptionError("--keep: expected 0 or a duration (90s, 30m, 2h), got '-5m'"));
  });
});

describe('parseFrom', () => {
  it('reads an ISO instant and rejects anything else', () => {
    expect(parseFrom('2026-10-24T00:00:00Z')).toBe(Date.UTC(2026, 9, 24));
    expect(() => parseFrom('yesterday')).toThrow("--from: expected an ISO instant (2026-03-07T00:00:00Z), got 'yesterday'");
  });
});

describe('runLine', () => {
  it('shows slot, job, status and duration', () => {
    expect(runLine(run({}))).toBe('2026-03-01T11:00:00Z  cleanup                   SUCCEEDED     40 ms');
  });

  it('shows attempts, the error and where the failure went', () => {
    const line = runLine(
      run({
        status: 'FAILED',
        attempts: 3,
        error: { type: 'TypeError', message: 'boom' },
        failureDestination: 'arn:aws:sqs:us-east-1:123456789012:Jobs-Inbox-XYZ',
      }),
    );
    expect(line).toBe('2026-03-01T11:00:00Z  cleanup                   FAILED        40 ms  after 3 attempts  TypeError: boom  -> Jobs-Inbox-XYZ');
  });

  it('shows stream batches with their record count', () => {
    expect(runLine(run({ trigger: 'stream', scheduledTime: '', job: 'Reminders/SubscriptionsFunction', records: 3 }))).toBe(
      '2026-03-01T11:00:00Z  Reminders/SubscriptionsFunction  SUCCEEDED     40 ms  (stream, 3 records)',
    );
  });

  it('marks asynchronous invokes and uses the start time when there is no slot', () => {
    expect(runLine(run({ trigger: 'invoke', scheduledTime: '' }))).toBe(
      '2026-03-01T11:00:00Z  cleanup                   SUCCEEDED     40 ms  (async invoke)',
    );
  });
});

describe('summaries', () => {
  const runs = [
    run({ durationMs: 10 }),
    run({ scheduledTime: '2026-03-01T12:00:00Z', status: 'FAILED', attempts: 3, durationMs: 30, error: { type: 'Error', message: 'x' } }),
    run({ job: 'report', scheduledTime: '2026-03-01T09:00:00Z', status: 'SKIPPED', reason: 'paused', durationMs: 5 }),
  ];

  it('counts runs per job and status', () => {
    expect(summarize(runs)).toEqual([
      {
        job: 'cleanup',
        runs: 2,
        byStatus: { SUCCEEDED: 1, FAILED: 1 },
        retries: 2,
        maxDurationMs: 30,
        totalDurationMs: 40,
        first: '2026-03-01T11:00:00Z',
        last: '2026-03-01T12:00:00Z',
      },
      {
        job: 'report',
        runs: 1,
        byStatus: { SKIPPED: 1 },
        retries: 0,
        maxDurationMs: 5,
        totalDurationMs: 5,
        first: '2026-03-01T09:00:00Z',
        last: '2026-03-01T09:00:00Z',
      },
    ]);
  });

  it('prints a table with the window and the failed runs', () => {
    const text = summaryTable(runs, { from: start, until: start + 86_400_000 }, 2500);
    expect(text.split('\n')[0]).toBe('Simulated 2026-03-01T10:30:00.000Z -> 2026-03-02T10:30:00.000Z in 2.5 s: 3 runs, 1 failed');
    expect(text).toContain('1 skipped');
    expect(text).toMatch(/Failed runs:\n {2}2026-03-01T12:00:00Z {2}cleanup/);
  });

  it('prints JSON with the runs in the documented shape', () => {
    const parsed = JSON.parse(jsonSummary(runs.slice(0, 1), { from: start, until: start + 1000 })) as { runs: unknown[] };
    expect(parsed.runs).toEqual([
      { job: 'cleanup', scheduledTime: '2026-03-01T11:00:00Z', status: 'SUCCEEDED', durationMs: 10, attempts: 1, trigger: 'schedule' },
    ]);
  });
});

function send(seq: number, overrides: Partial<RequestRecord> & { to?: string[]; zone?: string; messageId?: string }): RequestRecord {
  const { to = ['ana@example.com'], zone, messageId = `m-${seq}`, ...rest } = overrides;
  return {
    seq,
    time: Date.parse('2027-03-28T06:00:02.500Z'),
    method: 'POST',
    url: '/v2/email/outbound-emails',
    service: 'ses',
    operation: 'SendEmail',
    action: 'ses:SendEmail',
    actions: ['ses:SendEmail'],
    resources: ['offers@example.com'],
    status: 200,
    durationMs: 3,
    invocation: { traceId: 't', requestId: 'r', functionName: 'Jobs-Promotions-ABC', jobName: 'morning-promotions', startedAt: Date.parse('2027-03-28T06:00:00.004Z') },
    email: { to, cc: [], bcc: [], headers: zone ? { 'X-Recipient-Time-Zone': zone } : {}, messageId },
    ...rest,
  };
}

describe('sent emails', () => {
  it('lists one entry per recipient of each email SES accepted, at the start of the run that sent it', () => {
    const records: RequestRecord[] = [
      send(3, { to: ['bo@example.com'], zone: 'Europe/London' }),
      send(1, { zone: 'Europe/Berlin' }),
      // Refused (throttled), or accepted without a MessageId: not sent.
      send(2, { status: 429, email: { to: ['cy@example.com'], cc: [], bcc: [], headers: {} } }),
      send(4, { email: { to: ['dee@example.com'], cc: [], bcc: [], headers: {} } }),
      // Another call of the run.
      { ...send(5, {}), action: 'dynamodb:UpdateItem', email: undefined },
      // A header in another case; Cc and Bcc count; a function that runs no job.
      send(6, {
        email: { to: ['e@example.com'], cc: ['f@example.com'], bcc: [], headers: { 'x-recipient-time-zone': 'Asia/Kathmandu' }, messageId: 'm-6' },
        invocation: { traceId: 'u', requestId: 'q', functionName: 'Jobs-Mailer-XYZ', startedAt: Date.parse('2027-03-28T06:15:00Z') },
      }),
      // Sent outside any registered invocation: the time of the call.
      { ...send(7, { to: ['g@example.com'] }), invocation: undefined },
    ];
    expect(sentEmails(records)).toEqual([
      { job: 'morning-promotions', to: 'ana@example.com', timeZone: 'Europe/Berlin', at: '2027-03-28T06:00:00.004Z', messageId: 'm-1' },
      { job: 'morning-promotions', to: 'bo@example.com', timeZone: 'Europe/London', at: '2027-03-28T06:00:00.004Z', messageId: 'm-3' },
      { job: 'Jobs-Mailer-XYZ', to: 'e@example.com', timeZone: 'Asia/Kathmandu', at: '2027-03-28T06:15:00.000Z', messageId: 'm-6' },
      { job: 'Jobs-Mailer-XYZ', to: 'f@example.com', timeZone: 'Asia/Kathmandu', at: '2027-03-28T06:15:00.000Z', messageId: 'm-6' },
      { job: 'unknown', to: 'g@example.com', timeZone: null, at: '2027-03-28T06:00:02.500Z', messageId: 'm-7' },
    ]);
  });

  it('shows each email at the local time of its recipient, across DST and odd offsets', () => {
    // 2027-03-28: Berlin springs forward at 01:00Z; Chatham is +13:45 until 2027-04-04.
    expect(localTime('2027-03-28T06:00:00.004Z', 'Europe/Berlin')).toBe('2027-03-28 08:00 Europe/Berlin');
    expect(localTime('2027-03-27T07:00:00Z', 'Europe/Berlin')).toBe('2027-03-27 08:00 Europe/Berlin');
    expect(localTime('2027-03-27T18:15:00Z', 'Pacific/Chatham')).toBe('2027-03-28 08:00 Pacific/Chatham');
    expect(localTime('2027-03-28T02:15:00Z', 'Asia/Kathmandu')).toBe('2027-03-28 08:00 Asia/Kathmandu');
    expect(localTime('2027-03-28T02:15:00Z', null)).toBe('2027-03-28 02:15 UTC');
    expect(localTime('2027-03-28T02:15:00Z', 'Mars/Olympus')).toBe("2027-03-28 02:15 UTC (unknown zone 'Mars/Olympus')");
    expect(sentLine({ job: 'j', to: 'ana@example.com', timeZone: 'Europe/Berlin', at: '2027-03-28T06:00:00Z', messageId: 'm' }).trim()).toBe(
      'sent to ana@example.com at 2027-03-28 08:00 Europe/Berlin',
    );
  });

  it('summarises the emails per job and recipient: how many, which local days, which local times', () => {
    const at = (iso: string) => ({ job: 'morning-promotions', to: 'ana@example.com', timeZone: 'Europe/Berlin', at: iso, messageId: iso });
    const text = sentTable([at('2027-03-27T07:00:00Z'), at('2027-03-28T06:00:00Z'), at('2027-03-29T06:00:00Z'), { ...at('2027-03-28T09:00:00Z'), job: 'birthday-emails', to: 'x@example.com', timeZone: null }]);
    const lines = text.split('\n');
    expect(lines[0]).toBe("Emails sent: 4 (SES accepted; local time on each recipient's clock)");
    const row = (cells: string[]) => lines.find((l) => cells.every((c) => l.includes(c)));
    expect(row(['morning-promotions', 'ana@example.com', 'Europe/Berlin', ' 3 ', '2027-03-27 .. 2027-03-29', '08:00'])).toBeDefined();
    expect(row(['birthday-emails', 'x@example.com', ' - ', ' 1 ', '2027-03-28', '09:00'])).toBeDefined();
    expect(lines.findIndex((l) => l.includes('birthday-emails'))).toBeLessThan(lines.findIndex((l) => l.includes('morning-promotions')));
    expect(sentTable([])).toBe('Emails sent: none');
  });

  it('adds the sent emails to the JSON summary', () => {
    const sent = [{ job: 'morning-promotions', to: 'ana@example.com', timeZone: 'Europe/Berlin', at: '2027-03-28T06:00:00.004Z', messageId: 'm-1' }];
    const parsed = JSON.parse(jsonSummary([run({})], { from: start, until: start + 1000 }, sent)) as { sent: unknown };
    expect(parsed.sent).toEqual(sent);
    expect((JSON.parse(jsonSummary([], { from: start, until: start + 1000 })) as { sent: unknown }).sent).toEqual([]);
  });
});
