/**
 * `cdk-jobs restore-log`: argument validation before any AWS call, one key and a whole day restored
 * from archives the job wrote (in an in-memory bucket), --to, --dry-run, and the failures.
 */
import { Command, CommanderError } from 'commander';
import { afterEach, describe, expect, it } from 'vitest';
import { runLogArchive } from '../../../lambdas/jobs/log-archive/archive';
import { parseLogArchivePayload } from '../../../lambdas/jobs/log-archive/payload';
import { describeError, exitCodeOf } from '../../../tools/cli/errors';
import { parseRestoreRequest, restoreLogCommand } from '../../../tools/cli/commands/restore-log';
import { FakeBucket } from '../../lambdas/jobs/log-archive/fake-bucket';
import { fakeContext } from '../../lambdas/shared/fake-context';

const { s3, bucket } = FakeBucket.create();
const body = (key: string) => `${key}: GET /health 200\n`;

afterEach(() => {
  bucket.mock.reset();
  bucket.objects.clear();
  bucket.log.length = 0;
  bucket.install();
});

/** Runs `cdk-jobs restore-log <args>` in-process the way the program does; returns exit code and output. */
async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let code = 0;
  const io = { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: () => true }, env: { LOGS_BUCKET_NAME: 'logs-bucket', ...env }, cwd: '/', now: () => new Date() };
  const program = new Command('cdk-jobs').addCommand(restoreLogCommand({ io, setExitCode: (c) => (code = c) }, () => s3));
  for (const c of [program, ...program.commands]) c.exitOverride().configureOutput({ writeOut: () => undefined, writeErr: () => undefined });
  try {
    await program.parseAsync(['restore-log', ...args], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return { code: 2, stdout, error: error.message };
    return { code: exitCodeOf(error), stdout, error: describeError(error) };
  }
  return { code, stdout, error: undefined };
}

async function archiveDay(): Promise<string[]> {
  const keys = ['api', 'worker'].flatMap((s) => Array.from({ length: 30 }, (_, i) => `logs/${s}/2026/11/30/${String(i).padStart(3, '0')}.log`));
  for (const k of keys) bucket.put(k, body(k));
  const payload = parseLogArchivePayload({ bucket: 'logs-bucket', maxObjectsPerPart: 20 }, 'nightly-log-archive', {});
  await runLogArchive(fakeContext({ job: 'nightly-log-archive', slot: '2026-12-01T00:00:00.000Z', payload }), { s3 });
  expect(bucket.keys('logs/')).toEqual([]);
  bucket.log.length = 0;
  return keys;
}

describe('restore-log arguments', () => {
  it.each([
    [[], {}, "restore-log: what to restore must be a <key> or --day <yyyy-mm-dd> (got nothing)"],
    [['--day', '2026-02-30'], {}, 'restore-log: --day must be a calendar day yyyy-mm-dd (got "2026-02-30")'],
    [['archive/api/2026/11/30/part-00000.gz'], {}, 'restore-log: <key> must be a log key logs/<service>/yyyy/mm/dd/<file> (got "archive/api/2026/11/30/part-00000.gz")'],
    [['--day', '2026-11-30', '--to', 'archive/x/'], {}, 'restore-log: --to must be a prefix outside archive/ (the archives live there) (got "archive/x/")'],
    [['--day', '2026-11-30', '--to', 'restored'], {}, "restore-log: --to must be a key prefix ending in '/', e.g. 'restored/' (got \"restored\")"],
    [['--day', '2026-11-30'], { LOGS_BUCKET_NAME: '' }, 'restore-log: --bucket must be the logs bucket (or set LOGS_BUCKET_NAME) (got "")'],
  ])('%j is bad usage, before any AWS call', async (args, env, message) => {
    const result = await cli(args, env);
    expect(result).toMatchObject({ code: 2, error: `CliUsageError: ${message}` });
    expect(bucket.log).toEqual([]);
  });

  it('reads service and day from the key', () => {
    expect(parseRestoreRequest('logs/api/2026/11/30/a/b.log', {}, { LOGS_BUCKET_NAME: 'b' })).toEqual({
      bucket: 'b',
      dryRun: false,
      kind: 'key',
      key: 'logs/api/2026/11/30/a/b.log',
      service: 'api',
      day: '2026-11-30',
    });
  });
});

describe('restore-log', () => {
  it('restores one original to its key, byte for byte', async () => {
    const keys = await archiveDay();
    const result = await cli([keys[25]]);
    expect(result.code).toBe(0);
    expect(bucket.keys('logs/')).toEqual([keys[25]]);
    expect(bucket.objects.get(keys[25])!.body.toString()).toBe(body(keys[25]));
    expect(result.stdout).toContain('restored 1 object(s)');
  });

  it('restores a whole day of one service under --to', async () => {
    const keys = await archiveDay();
    const result = await cli(['--day', '2026-11-30', '--service', 'worker', '--to', 'restored/', '--json']);
    expect(result.code).toBe(0);
    const worker = keys.filter((k) => k.startsWith('logs/worker/'));
    expect(bucket.keys('restored/')).toEqual(worker.map((k) => `restored/${k}`));
    for (const k of worker) expect(bucket.objects.get(`restored/${k}`)!.body.toString()).toBe(body(k));
    expect(JSON.parse(result.stdout).restored).toHaveLength(30);
  });

  it('restores every service of a day; --dry-run writes nothing', async () => {
    const keys = await archiveDay();
    expect((await cli(['--day', '2026-11-30', '--dry-run'])).stdout).toMatch(/^would restore 60 object\(s\)/);
    expect(bucket.log.some((c) => c.command === 'PutObject')).toBe(false);
    expect((await cli(['--day', '2026-11-30'])).code).toBe(0);
    expect(bucket.keys('logs/')).toEqual([...keys].sort());
  });

  it('fails (exit 1) on a key no archive holds and on an archive that does not match its index', async () => {
    await archiveDay();
    expect(await cli(['logs/api/2026/11/30/missing.log'])).toMatchObject({
      code: 1,
      error: "OperationFailedError: restore-log: no archive in s3://logs-bucket/archive/ holds 'logs/api/2026/11/30/missing.log'",
    });
    bucket.put('archive/api/2026/11/30/part-00000.gz', 'not the archive');
    const result = await cli(['--day', '2026-11-30', '--service', 'api']);
    expect(result.code).toBe(1);
    expect(result.error).toMatch(/^OperationFailedError: restore-log: cannot read s3:\/\/logs-bucket\/archive\/api\/2026\/11\/30\/part-00000.gz: archive '.*' must be \d+ bytes/);
    expect(bucket.keys('logs/')).toEqual([]);
  });
});
