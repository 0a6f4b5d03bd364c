/**
 * What `cdk-jobs dev` prints: the live line of each run, the summary table after a simulation, the
 * JSON summary, and the parsing of `--until` / `--from`. Pure (no I/O).
 */
import Table from 'cli-table3';
import type { AccessEntry } from './access-report';
import type { LocalRun } from './local-scheduler';
import type { RequestRecord } from './request-recorder';
import { RECIPIENT_TIME_ZONE_HEADER, ScheduledJobsError } from '../../lib/contract';

export class DevOptionError extends ScheduledJobsError {}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * The end of a simulation: a duration after `start` (`90m`, `12h`, `7d`, `2w`) or an ISO instant
 * after `start`.
 *
 * @throws DevOptionError naming `--until`, what was expected and what came.
 */
export function parseUntil(text: string, start: number, startName = 'the start'): number {
  const trimmed = text.trim();
  const duration = /^(\d+)\s*([mhdw])$/i.exec(trimmed);
  if (duration) {
    const value = Number(duration[1]) * UNIT_MS[duration[2].toLowerCase()];
    if (value <= 0) throw new DevOptionError(`--until: expected a positive duration, got '${text}'`);
    return start + value;
  }
  const instant = parseInstant(trimmed);
  if (instant === undefined) {
    throw new DevOptionError(`--until: expected a duration (90m, 12h, 7d, 2w) or an ISO instant (2026-12-01T00:00:00Z), got '${text}'`);
  }
  if (instant <= start) {
    throw new DevOptionError(`--until: expected an instant after ${startName} (${new Date(start).toISOString()}), got '${text}'`);
  }
  return instant;
}

/**
 * A duration option (`30m`, `1h`, `2d`, `1w`), in milliseconds.
 *
 * @throws DevOptionError naming the option.
 */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)\s*([mhdw])$/i.exec(text.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new DevOptionError(`${option}: expected a positive duration (30m, 1h, 2d, 1w), got '${text}'`);
  }
  return Number(match[1]) * UNIT_MS[match[2].toLowerCase()];
}

/** `--keep`: `0`, seconds (`90s`) or a duration (`30m`, `2h`). */
export function parseKeep(text: string): number {
  if (/^\s*0+\s*$/.test(text)) return 0;
  const seconds = /^\s*(\d+)\s*s\s*$/i.exec(text);
  if (seconds) return Number(seconds[1]) * 1000;
  try {
    return parseDuration(text, '--keep');
  } catch (error) {
    throw new DevOptionError(`--keep: expected 0 or a duration (90s, 30m, 2h), got '${text}'`, { cause: error });
  }
}

/**
 * The start of a simulation: an ISO instant.
 *
 * @throws DevOptionError naming `--from`.
 */
export function parseFrom(text: string): number {
  const instant = parseInstant(text.trim());
  if (instant === undefined) throw new DevOptionError(`--from: expected an ISO instant (2026-03-07T00:00:00Z), got '${text}'`);
  return instant;
}

function parseInstant(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text)) return undefined;
  // A date-time without an offset is read as UTC (as Scheduler reads `at()` without a zone).
  const withZone = /T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text) ? `${text}Z` : text;
  const ms = Date.parse(withZone.replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : ms;
}

/** The live log line of a run: time, job, status, duration (and attempts and error when failing). */
export function runLine(run: LocalRun): string {
  const slot = run.scheduledTime || run.startedAt.replace(/\.\d{3}Z$/, 'Z');
  const parts = [slot.padEnd(20), run.job.padEnd(24), String(run.status).padEnd(9), `${run.durationMs} ms`.padStart(8)];
  if (run.trigger === 'invoke') parts.push('(async invoke)');
  if (run.trigger === 'stream') parts.push(`(stream, ${run.records ?? 0} record${run.records === 1 ? '' : 's'})`);
  if (run.attempts > 1) parts.push(`after ${run.attempts} attempts`);
  if (run.reason) parts.push(`(${run.reason})`);
  if (run.error) parts.push(`${run.error.type}: ${run.error.message}`);
  if (run.failureDestination) parts.push(`-> ${run.failureDestination.split(':').pop()}`);
  return parts.join('  ');
}

/** Per-job counts of a list of runs. */
export interface JobSummary {
  readonly job: string;
  readonly runs: number;
  readonly byStatus: Readonly<Record<string, number>>;
  /** Attempts beyond the first, over all runs. */
  readonly retries: number;
  readonly maxDurationMs: number;
  readonly totalDurationMs: number;
  readonly first?: string;
  readonly last?: string;
}

export function summarize(runs: readonly LocalRun[]): JobSummary[] {
  const byJob = new Map<string, LocalRun[]>();
  for (const run of runs) byJob.set(run.job, [...(byJob.get(run.job) ?? []), run]);
  return [...byJob.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([job, list]) => {
      const byStatus: Record<string, number> = {};
      for (const run of list) byStatus[run.status] = (byStatus[run.status] ?? 0) + 1;
      const slots = list.map((r) => r.scheduledTime).filter((s) => s !== '').sort();
      return {
        job,
        runs: list.length,
        byStatus,
        retries: list.reduce((n, r) => n + r.attempts - 1, 0),
        maxDurationMs: Math.max(...list.map((r) => r.durationMs)),
        totalDurationMs: list.reduce((n, r) => n + r.durationMs, 0),
        ...(slots.length ? { first: slots[0], last: slots[slots.length - 1] } : {}),
      };
    });
}

/** The summary table printed after a simulation. */
export function summaryTable(runs: readonly LocalRun[], window: { readonly from: number; readonly until: number }, realMs: number): string {
  const table = new Table({
    head: ['job', 'runs', 'succeeded', 'failed', 'other', 'retries', 'avg ms', 'max ms', 'first slot', 'last slot'],
    style: { head: [], border: [] },
  });
  for (const s of summarize(runs)) {
    const succeeded = s.byStatus.SUCCEEDED ?? 0;
    const failed = s.byStatus.FAILED ?? 0;
    const other = Object.entries(s.byStatus)
      .filter(([status]) => status !== 'SUCCEEDED' && status !== 'FAILED')
      .map(([status, n]) => `${n} ${status.toLowerCase()}`)
      .join(', ');
    table.push([
      s.job,
      s.runs,
      succeeded,
      failed,
      other || '-',
      s.retries,
      Math.round(s.totalDurationMs / s.runs),
      s.maxDurationMs,
      s.first ?? '-',
      s.last ?? '-',
    ]);
  }
  const failed = runs.filter((r) => r.status === 'FAILED');
  const lines = [
    `Simulated ${new Date(window.from).toISOString()} -> ${new Date(window.until).toISOString()} ` +
      `in ${(realMs / 1000).toFixed(1)} s: ${runs.length} runs, ${failed.length} failed`,
    table.toString(),
  ];
  if (failed.length > 0) {
    lines.push('Failed runs:');
    for (const run of failed) lines.push(`  ${runLine(run)}`);
  }
  return lines.join('\n');
}

/** An email SES accepted during a local run. */
export interface SentEmail {
  /** The job whose function sent it (else the function's name). */
  readonly job: string;
  readonly to: string;
  /**
   * The recipient's zone, as the sender declared it with the `X-Recipient-Time-Zone` header
   * (`RECIPIENT_TIME_ZONE_HEADER`); `null` when it did not.
   */
  readonly timeZone: string | null;
  /** When the run that sent it started, on the simulated clock (ISO, UTC). */
  readonly at: string;
  readonly messageId: string;
}

/**
 * The emails SES accepted (a 2xx answer with a MessageId), one per recipient (To, Cc and Bcc), from
 * the request recorder's records, in the order they were sent.
 */
export function sentEmails(records: readonly RequestRecord[]): SentEmail[] {
  const out: SentEmail[] = [];
  for (const record of [...records].sort((a, b) => a.seq - b.seq)) {
    const email = record.email;
    if (!email?.messageId || record.status < 200 || record.status >= 300) continue;
    const header = Object.entries(email.headers).find(([name]) => name.toLowerCase() === RECIPIENT_TIME_ZONE_HEADER.toLowerCase());
    const job = record.invocation?.jobName ?? record.invocation?.functionName ?? 'unknown';
    const at = new Date(record.invocation?.startedAt ?? record.time).toISOString();
    for (const to of [...email.to, ...email.cc, ...email.bcc]) {
      out.push({ job, to, timeZone: header?.[1] ?? null, at, messageId: email.messageId });
    }
  }
  return out;
}

/** `2027-03-28 08:00` on the clock of `timeZone` (UTC without one), and the zone's name. */
export function localTime(at: string, timeZone: string | null): string {
  const zone = timeZone ?? 'UTC';
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(at));
  } catch {
    return `${at.slice(0, 16).replace('T', ' ')} UTC (unknown zone '${zone}')`;
  }
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')} ${zone}`;
}

/** The live-log line of a sent email: to whom, at which local time. */
export function sentLine(sent: SentEmail): string {
  return `${' '.repeat(22)}sent to ${sent.to} at ${localTime(sent.at, sent.timeZone)}`;
}

/** The table of sent emails printed after a simulation: per job and recipient, how many and when (local). */
export function sentTable(sent: readonly SentEmail[]): string {
  if (sent.length === 0) return 'Emails sent: none';
  const table = new Table({ head: ['job', 'to', 'time zone', 'emails', 'local days', 'local times'], style: { head: [], border: [] } });
  const groups = new Map<string, SentEmail[]>();
  for (const s of sent) {
    const key = `${s.job}\u0000${s.to}\u0000${s.timeZone ?? ''}`;
    groups.set(key, [...(groups.get(key) ?? []), s]);
  }
  for (const list of [...groups.values()].sort((a, b) => a[0].job.localeCompare(b[0].job) || a[0].to.localeCompare(b[0].to))) {
    const local = list.map((s) => localTime(s.at, s.timeZone));
    const days = local.map((l) => l.slice(0, 10)).sort();
    const times = [...new Set(local.map((l) => l.slice(11, 16)))].sort();
    table.push([list[0].job, list[0].to, list[0].timeZone ?? '-', list.length, days[0] === days[days.length - 1] ? days[0] : `${days[0]} .. ${days[days.length - 1]}`, times.join(', ')]);
  }
  return `Emails sent: ${sent.length} (SES accepted; local time on each recipient's clock)\n${table.toString()}`;
}

/**
 * The `--json` summary: `{ from, until, runs: [{ job, scheduledTime, status, durationMs, ... }],
 * sent: [{ job, to, timeZone, at, messageId }] }`.
 */
export function jsonSummary(
  runs: readonly LocalRun[],
  window: { readonly from: number; readonly until: number },
  sent: readonly SentEmail[] = [],
  access?: readonly AccessEntry[],
): string {
  return JSON.stringify(
    {
      from: new Date(window.from).toISOString(),
      until: new Date(window.until).toISOString(),
      runs: runs.map((r) => ({
        job: r.job,
        scheduledTime: r.scheduledTime,
        status: r.status,
        durationMs: r.durationMs,
        attempts: r.attempts,
        trigger: r.trigger,
        ...(r.schedule ? { schedule: r.schedule } : {}),
        ...(r.records !== undefined ? { records: r.records } : {}),
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.error ? { error: r.error } : {}),
      })),
      sent,
      // Per function, its role's grants over the run (only when IAM was enforced: see access-report.ts).
      ...(access ? { access } : {}),
    },
    null,
    2,
  );
}
