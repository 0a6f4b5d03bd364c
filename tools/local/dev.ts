/**
 * `cdk-jobs dev`: the whole stack on this machine. Starts the emulator (or uses `--endpoint` /
 * `AWS_ENDPOINT_URL`), synthesizes the CDK app into `.local/cdk.out`, provisions the stack in the
 * emulator, records it in `.local/<stack>.json`, seeds demo data, then runs the local scheduler: on
 * the real clock until stopped, or on a simulated clock up to `--until` (time travel). A finished
 * simulation can leave its emulator running for a while (`keep`) so the CLI can inspect it.
 */
import { DynamoDBStreamsClient } from '@aws-sdk/client-dynamodb-streams';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient } from '@aws-sdk/client-sns';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { PlatformOutput, WATCHDOG_SCHEDULE_NAME } from '../../lib/contract';
import { installClock, realClock, SimulatedClock, type Clock } from './clock';
import { readCloudAssembly, synthesize, type StackArtifact } from './cloud-assembly';
import { EventSourceRunner } from './event-sources';
import {
  DevOptionError,
  jsonSummary,
  parseDuration,
  parseFrom,
  parseKeep,
  parseUntil,
  runLine,
  sentEmails,
  sentLine,
  sentTable,
  summaryTable,
  type SentEmail,
} from './dev-report';
import { executionLine, LocalExecutions } from './local-executions';
import { installLocalInvokeHook, LocalLambda, terminalStream, writeTerminal } from './local-lambda';
import { LocalScheduler, type LocalRun } from './local-scheduler';
import { startDetachedEmulator, stopKeptEmulators, type DetachedEmulator } from './kept-emulator';
import { localDir, writeLocalStack, type KeptEmulator, type LocalSchedule, type LocalStackFile } from './local-stack';
import { localClientConfig, startEmulator, type LocalEndpoint } from './moto-server';
import { iamActionMatches } from '../../lib/contract/access';
import { accessReport, accessSummary, type AccessEntry, type ObservedCall } from './access-report';
import { ADMIN_BOOTSTRAP_CALLS, bootstrapAdmin, createFunctionIdentities } from './iam-identities';
import { planFunctionAccess } from './iam-policies';
import { provisionClients, provisionStack } from './provisioner';
import { runSeeds } from './seed';
import { routeThrough, startRequestRecorder, type RequestRecord, type RequestRecorder } from './request-recorder';
import { ScheduledJobsError } from '../../lib/contract';

/** The account local mode provisions in (moto's default). */
export const LOCAL_ACCOUNT = '123456789012';

export interface DevOptions {
  /** @default process.cwd() */
  readonly projectDir?: string;
  /**
   * The command that runs the CDK app, or a directory holding a synthesized cloud assembly (as
   * `cdk deploy --app cdk.out` takes).
   * @default the `app` of `cdk.json`
   */
  readonly app?: string;
  /** Reuse the last synthesized assembly when no project file changed. @default true */
  readonly cache?: boolean;
  /** Where local state goes (cloud assembly, `<stack>.json`, logs). @default `<projectDir>/.local` */
  readonly stateDir?: string;
  /** Use this emulator instead of starting moto. @default process.env.AWS_ENDPOINT_URL */
  readonly endpoint?: string;
  /** Always start a private moto (tests). @default false */
  readonly forceLocalEmulator?: boolean;
  /** Which stack of the app to run. @default the only stack of the app with a JobPlatform (else its only stack) */
  readonly stack?: string;
  /** Simulate up to this instant or duration (`7d`, ISO). @default follow the real clock until stopped */
  readonly until?: string;
  /** Where the simulated clock starts (ISO). @default now */
  readonly from?: string;
  /**
   * While time travelling, fire the platform's watchdog (`rate(5 minutes)`) at most once per this
   * simulated interval; each run checks everything since the previous one, so missed runs are still
   * found. `5m` fires it at every slot. The real clock always fires it at every slot.
   * @default '1h'
   */
  readonly watchdogEvery?: string;
  /** Print the summary as JSON on stdout (and nothing else there). @default false */
  readonly json?: boolean;
  /** Seed demo data. @default true */
  readonly seed?: boolean;
  /** Also print what handlers write (else it goes to `.local/logs/<stack>.log`). @default false */
  readonly verbose?: boolean;
  /** @default process.env.AWS_REGION, else 'us-east-1' */
  readonly region?: string;
  /**
   * Run each function with its own role's permissions, checked by the emulator (a call its role
   * does not allow fails with AccessDenied, as in AWS). Only on a moto_server this run starts; an
   * emulator given by `endpoint` / `AWS_ENDPOINT_URL` is used as it is (see the local-mode guide).
   * @default true
   */
  readonly iam?: boolean;
  /** Show the progress bar (when stderr is a terminal). @default true */
  readonly progress?: boolean;
  /** Stops a real-clock run (Ctrl-C). @default none */
  readonly signal?: AbortSignal;
  /** Receives each run as it finishes (tests, embedding). @default none */
  readonly onRun?: (run: LocalRun) => void;
  /** Receives each AWS call of a local function as the request recorder records it. @default none */
  readonly onRequest?: (record: RequestRecord) => void;
  /** Called once the stack is provisioned and seeded, before the scheduler starts. @default none */
  readonly onReady?: (stack: LocalStackFile) => void | Promise<void>;
  /** Where the messages and the summary go. @default this process's stdout and stderr */
  readonly output?: { readonly stdout: (text: string) => void; readonly stderr: (text: string) => void };
  /** Keep `.local/<stack>.json` after exit even when the emulator stops with it. @default false */
  readonly keepState?: boolean;
  /**
   * After a simulation (`until`) on a moto_server this run starts, leave it running this long
   * (`30m`, `2h`; `0` stops it at once) so that what the run did can be inspected; the record gets
   * `kept`. The live mode and an external endpoint are not affected.
   * @default '0'
   */
  readonly keep?: string;
}

export interface DevResult {
  readonly stack: LocalStackFile;
  readonly runs: readonly LocalRun[];
  /** 0, or 1 when a run failed (after its retries). */
  readonly exitCode: number;
  readonly window: { readonly from: number; readonly until: number };
  /** Real milliseconds per phase. */
  readonly timings: { readonly synthMs: number; readonly provisionMs: number; readonly seedMs: number; readonly runMs: number };
  /** The emulator left running after the simulation (`keep`), as recorded in the stack's record. */
  readonly kept?: KeptEmulator;
  /**
   * Every AWS call the local functions made, as the request recorder saw it (see
   * `request-recorder.ts`): invocation, access key id, IAM action, resources, status.
   */
  readonly requests: readonly RequestRecord[];
  /** The emails SES accepted, one per recipient (`sent` of `--json`). */
  readonly sent: readonly SentEmail[];
  /** Per function, its role's grants used and unused over the run (`access` of `--json`); only when IAM is enforced. */
  readonly access?: readonly AccessEntry[];
}

export class StackSelectionError extends ScheduledJobsError {}

/** The name of the platform watchdog's schedule. */
export const WATCHDOG_SCHEDULE = WATCHDOG_SCHEDULE_NAME;

/** The platform watchdog's schedules: named `watchdog`, with the input `{ "watchdog": true }`. */
export function watchdogSchedules(stack: Pick<LocalStackFile, 'schedules'>): LocalSchedule[] {
  return Object.values(stack.schedules).filter((s) => s.name === WATCHDOG_SCHEDULE && /"watchdog"\s*:\s*true/.test(s.target.input ?? ''));
}

/** True when the stack's template has the outputs a JobPlatform writes. */
export function hasJobPlatform(stack: Pick<StackArtifact, 'template'>): boolean {
  const outputs = (stack.template as { Outputs?: Record<string, unknown> }).Outputs ?? {};
  return PlatformOutput.TABLE_NAME in outputs;
}

/**
 * The stack to run: `--stack`'s; else the only stack with a JobPlatform; else, when no stack has
 * one, the app's only stack.
 *
 * @throws StackSelectionError listing the candidates when that is not one stack.
 */
export function pickStack(stacks: readonly StackArtifact[], wanted: string | undefined): StackArtifact {
  const names = stacks.map((s) => s.stackName).join(', ') || 'none';
  if (wanted) {
    const found = stacks.find((s) => s.stackName === wanted || s.id === wanted);
    if (!found) throw new StackSelectionError(`--stack: no stack '${wanted}' in the app (stacks: ${names})`);
    return found;
  }
  const platforms = stacks.filter(hasJobPlatform);
  if (platforms.length === 1) return platforms[0];
  if (platforms.length > 1) {
    throw new StackSelectionError(
      `${platforms.length} stacks of the app hold a JobPlatform (${platforms.map((s) => s.stackName).join(', ')}): choose one with --stack`,
    );
  }
  if (stacks.length !== 1) {
    throw new StackSelectionError(`no stack of the app holds a JobPlatform (stacks: ${names}): add one, or choose a stack with --stack`);
  }
  return stacks[0];
}

/**
 * Stops the emulators finished simulations keep in `stateDir` (and removes their records).
 * `cdk-jobs dev` does it before it starts; `cdk-jobs dev --stop` does only this.
 *
 * @returns one line per emulator stopped.
 */
export async function stopKept(stateDir: string): Promise<string[]> {
  return (await stopKeptEmulators(stateDir)).map((entry) => {
    const run = `the simulated run of ${entry.stack.stackName} (${entry.stack.kept?.simulated.from} -> ${entry.stack.kept?.simulated.until})`;
    return entry.wasRunning
      ? `stopped     the emulator at ${entry.stack.endpoint} kept for ${run}`
      : `removed     the record of ${run}: its emulator had stopped at the end of its keep period`;
  });
}

/** Runs local mode. Resolves when the simulation ends or the signal stops the real-clock run. */
export async function runDev(options: DevOptions = {}): Promise<DevResult> {
  const projectDir = resolve(options.projectDir ?? process.cwd());
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  // Validate the options before any side effect.
  const from = options.from !== undefined ? parseFrom(options.from) : Date.now();
  const until = options.until !== undefined ? parseUntil(options.until, from, options.from !== undefined ? '--from' : 'now') : undefined;
  if (options.from !== undefined && until === undefined) throw new DevOptionError('--from: only meaningful with --until (a simulation)');
  const watchdogEveryMs = parseDuration(options.watchdogEvery ?? '1h', '--watchdog-every');
  const keepMs = parseKeep(options.keep ?? '0');
  const simulate = until !== undefined;
  if (options.keep !== undefined && keepMs > 0 && !simulate) throw new DevOptionError('--keep: only meaningful with --until (a simulation)');
  const stateDir = options.stateDir ? resolve(projectDir, options.stateDir) : localDir(projectDir);
  const output = options.output ?? { stdout: (t: string) => writeTerminal(t, 'stdout'), stderr: (t: string) => writeTerminal(t, 'stderr') };
  const say = (line: string) => (options.json ? output.stderr : output.stdout)(`${line}\n`);

  for (const line of await stopKept(stateDir)) say(line);
  const external = options.forceLocalEmulator ? undefined : (options.endpoint ?? process.env.AWS_ENDPOINT_URL);
  const enforceIam = options.iam !== false && !external;
  const auth = enforceIam ? { initialNoAuthActionCount: ADMIN_BOOTSTRAP_CALLS } : {};
  // A simulation that may be kept runs its own moto_server in its own process group.
  const keepable: DetachedEmulator | undefined =
    simulate && keepMs > 0 && !external
      ? await startDetachedEmulator({ stateDir, logFile: join(stateDir, 'logs', 'emulator.log'), projectDir, say, ...auth })
      : undefined;
  const emulator: LocalEndpoint =
    keepable ?? (await startEmulator({ endpoint: options.endpoint, forceLocal: options.forceLocalEmulator, projectDir, say, ...auth }));
  let stackFile: string | undefined;
  let kept: KeptEmulator | undefined;
  let logFd: number | undefined;
  const restore: Array<() => void> = [];
  try {
    say(`emulator    ${emulator.url}${emulator.owned ? ' (moto_server, started for this run)' : ''}`);
    const admin = enforceIam ? await bootstrapAdmin(emulator.url, region) : undefined;
    const t0 = performance.now();
    const prebuilt = options.app !== undefined && existsSync(join(resolve(projectDir, options.app), 'manifest.json'));
    const assembly = prebuilt
      ? { ...readCloudAssembly(resolve(projectDir, options.app as string)), reused: true }
      : await synthesize({
          projectDir,
          app: options.app,
          outDir: join(stateDir, 'cdk.out'),
          account: LOCAL_ACCOUNT,
          region,
          reuse: options.cache !== false,
        });
    const artifact = pickStack(assembly.stacks, options.stack);
    const synthMs = performance.now() - t0;
    const where = relative(projectDir, assembly.dir);
    say(
      prebuilt
        ? `read        ${artifact.stackName} from ${where}`
        : assembly.reused
          ? `reused      ${artifact.stackName} from ${where} (nothing changed since it was synthesized)`
          : `synthesized ${artifact.stackName} into ${where} in ${(synthMs / 1000).toFixed(1)} s`,
    );

    const t1 = performance.now();
    const config = localClientConfig(emulator, region, admin);
    const warnings: string[] = [];
    const provisioning = provisionClients(config);
    const provisioned = await provisionStack({
      stack: artifact,
      assemblyDir: assembly.dir,
      endpoint: emulator.url,
      region,
      accountId: LOCAL_ACCOUNT,
      clients: provisioning,
      warn: (m) => warnings.push(m),
    }).finally(() => {
      for (const client of Object.values(provisioning)) client.destroy();
    });
    const stack: LocalStackFile = admin
      ? {
          ...provisioned,
          iam: {
            admin,
            functions: await createFunctionIdentities({
              endpoint: emulator.url,
              region,
              accountId: LOCAL_ACCOUNT,
              admin,
              plans: planFunctionAccess(artifact.template, provisioned),
              warn: (m) => warnings.push(m),
            }),
          },
        }
      : provisioned;
    stackFile = join(stateDir, `${stack.stackName}.json`);
    writeLocalStack(stackFile, stack);
    const provisionMs = performance.now() - t1;
    const counts = Object.values(stack.resources).filter((r) => r.provisioned).length;
    say(
      `provisioned ${counts} resources, ${Object.keys(stack.functions).length} functions, ` +
        `${Object.keys(stack.schedules).length} schedules in ${Math.round(provisionMs)} ms -> ${relative(projectDir, stackFile)}`,
    );
    for (const warning of warnings) say(`  warning: ${warning}`);
    say(iamLine(stack, options.iam !== false, external));

    const logDir = join(stateDir, 'logs');
    mkdirSync(logDir, { recursive: true });
    const logPath = join(logDir, `${stack.stackName}.log`);
    logFd = openSync(logPath, 'w');
    const fd = logFd;
    // Every local function's calls go through the recorder, which forwards them to the emulator.
    const recorder: RequestRecorder = await startRequestRecorder({ target: emulator.url, ...(options.onRequest ? { onRecord: options.onRequest } : {}) });
    restore.push(() => void recorder.close());
    // The emails each job sent, shown under the job's next run line.
    const unshown = new Map<string, SentEmail[]>();
    recorder.onRecord((record) => {
      for (const sent of sentEmails([record])) unshown.set(sent.job, [...(unshown.get(sent.job) ?? []), sent]);
    });
    const functions = Object.fromEntries(
      Object.entries(stack.functions).map(([id, fn]) => [id, { ...fn, environment: routeThrough(fn.environment, emulator.url, recorder.url) }]),
    );
    const lambda = new LocalLambda({
      stack: { ...stack, functions },
      environment: { AWS_ENDPOINT_URL: recorder.url },
      onInvocationStart: ({ fn, requestId, traceId }) =>
        recorder.invocationStarted({
          traceId,
          requestId,
          functionName: fn.functionName,
          functionLogicalId: fn.logicalId,
          ...(fn.jobName ? { jobName: fn.jobName } : {}),
          startedAt: clock.now(),
        }),
      output: (fn, text) => {
        writeSync(fd, text);
        if (options.verbose) {
          const prefix = `  [${fn.jobName ?? fn.constructPath ?? fn.functionName}] `;
          output.stderr(text.replace(/^(?=.)/gm, prefix));
        }
      },
    });
    const clock: Clock = simulate ? new SimulatedClock(from) : realClock;
    let bars: ReturnType<typeof progressBars> | undefined;
    const live = (line: string) => {
      if (bars) bars.multi.log(`${line}\n`);
      else say(line);
    };
    const clients = { scheduler: new SchedulerClient(config), sqs: new SQSClient(config), sns: new SNSClient(config) };
    const streams = new DynamoDBStreamsClient(config);
    const s3 = new S3Client(config);
    restore.push(() => {
      for (const client of [clients.scheduler, clients.sqs, clients.sns, streams, s3]) client.destroy();
    });
    // Fan-out jobs: their state machines run in-process, on the definition the stack synthesized.
    // Their StartExecution/DescribeExecution reach the hooks, not the emulator: checked and recorded here.
    const hookCalls: ObservedCall[] = [];
    const executions = new LocalExecutions({
      stack,
      lambda,
      s3,
      sqs: clients.sqs,
      authorize: (action, resource) => {
        const call = authorizeHookCall(stack, process.env.AWS_ACCESS_KEY_ID, action, resource);
        hookCalls.push(call);
        if (call.status === 403) throw accessDenied(call, action, resource);
      },
      onEvent: (execution, event) => {
        const line = executionLine(execution, event);
        if (line) live(line);
      },
    });
    restore.push(executions.install());

    // Stream readers take their position now, as the mappings would at deploy: seeded data is delivered.
    const eventSources = new EventSourceRunner({
      stack,
      lambda,
      clock,
      clients: { ...clients, streams },
      onInvocation: (invocation) => scheduler.recordEventSourceInvocation(invocation),
      warn: (m) => live(`warning: ${m}`),
    });
    await eventSources.start();

    const t2 = performance.now();
    if (options.seed !== false) {
      for (const line of await runSeeds(projectDir, stack, new Date(from))) say(`seeded      ${line}`);
    }
    const seedMs = performance.now() - t2;
    await options.onReady?.(stack);

    const sparse: Record<string, number> = {};
    if (simulate) {
      for (const schedule of watchdogSchedules(stack)) {
        sparse[`${schedule.groupName}/${schedule.name}`] = watchdogEveryMs;
        say(
          `watchdog    ${schedule.expression} fires at most once per simulated ${options.watchdogEvery ?? '1h'} while time travelling ` +
            '(each run checks all the time since the last; --watchdog-every 5m fires every slot)',
        );
      }
    }
    let failed = 0;
    let count = 0;
    const scheduler: LocalScheduler = new LocalScheduler({
      stack,
      lambda,
      clock,
      clients,
      eventSources,
      sparse,
      ...(until !== undefined ? { until } : {}),
      startedAt: from,
      warn: (m) => live(`warning: ${m}`),
      onRun: (run) => {
        count += 1;
        if (run.status === 'FAILED') failed += 1;
        live(runLine(run));
        for (const sent of unshown.get(run.job) ?? []) live(sentLine(sent));
        unshown.delete(run.job);
        bars?.bar.update(Math.round((clock.now() - from) / 60_000), { runs: count, failed });
        options.onRun?.(run);
      },
      onTick: (now) => bars?.bar.update(Math.round((now - from) / 60_000), { time: new Date(now).toISOString().slice(0, 16), runs: count, failed }),
    });
    restore.push(installClock(clock));
    restore.push(installLocalInvokeHook(async (fn, event) => scheduler.invokeAsync(fn, event)));
    const stopOnAbort = () => scheduler.stop();
    options.signal?.addEventListener('abort', stopOnAbort, { once: true });
    restore.push(() => options.signal?.removeEventListener('abort', stopOnAbort));

    say(
      simulate
        ? `simulating  ${new Date(from).toISOString()} -> ${new Date(until as number).toISOString()} (handler output: ${relative(projectDir, logPath)})`
        : `running     on the real clock; Ctrl-C to stop (handler output: ${relative(projectDir, logPath)})`,
    );
    if (simulate && options.progress !== false && process.stderr.isTTY) bars = progressBars(from, until as number);
    const t3 = performance.now();
    let runs: readonly LocalRun[];
    try {
      runs = await scheduler.run();
    } catch (error) {
      // Ctrl-C also reaches the emulator (same process group): calls in flight then fail; that is the stop.
      if (!options.signal?.aborted) throw error;
      runs = scheduler.history;
    }
    const runMs = performance.now() - t3;
    bars?.bar.update(Math.round(((until ?? from) - from) / 60_000));
    bars?.multi.stop();
    for (const undo of restore.splice(0).reverse()) undo();

    const window = { from, until: until ?? Date.now() };
    const sent = sentEmails(recorder.records());
    const access = stack.iam ? accessReport(stack.functions, stack.iam.functions, [...observedCalls(recorder.records()), ...hookCalls], recorder.invokedFunctions()) : undefined;
    if (options.json) output.stdout(`${jsonSummary(runs, window, sent, access)}\n`);
    else if (simulate) {
      say(summaryTable(runs, window, runMs));
      if (sent.length > 0) say(sentTable(sent));
      for (const line of accessSummary(access ?? [])) say(line);
    }
    let recorded = stack;
    if (keepable && !options.signal?.aborted) {
      const now = Date.now();
      kept = {
        pid: keepable.pid,
        ...(keepable.reaperPid !== undefined ? { reaperPid: keepable.reaperPid } : {}),
        since: new Date(now).toISOString(),
        until: new Date(now + keepMs).toISOString(),
        simulated: { from: new Date(window.from).toISOString(), until: new Date(window.until).toISOString() },
      };
      recorded = { ...stack, kept };
      writeLocalStack(stackFile, recorded);
      say(keptMessage(recorded, kept));
    }
    return {
      stack: recorded,
      runs,
      exitCode: runs.some((r) => r.status === 'FAILED') ? 1 : 0,
      window,
      timings: { synthMs, provisionMs, seedMs, runMs },
      ...(kept ? { kept } : {}),
      requests: recorder.records(),
      ...(access ? { access } : {}),
      sent,
    };
  } finally {
    for (const undo of restore.reverse()) undo();
    if (logFd !== undefined) closeSync(logFd);
    if (kept && keepable) {
      // Left running for inspection; its reaper stops it when the keep period ends.
      keepable.keep();
    } else if (emulator.owned) {
      await emulator.stop();
      // The emulator's state is gone with it: so is the record of what was in it.
      if (stackFile && !options.keepState) rmSync(stackFile, { force: true });
    }
  }
}

/** The calls of the recorder's records, for the access report. */
export function observedCalls(records: readonly RequestRecord[]): ObservedCall[] {
  return records.map((r) => ({
    ...(r.accessKeyId ? { accessKeyId: r.accessKeyId } : {}),
    ...(r.invocation?.functionLogicalId ? { functionLogicalId: r.invocation.functionLogicalId } : {}),
    actions: r.actions,
    status: r.status,
  }));
}

/**
 * A call a function makes to local mode's in-process hooks (a fan-out job's StartExecution), checked
 * against the identity policy of the function whose credentials are in force, as moto checks a
 * request: by action (allowed when a granted pattern matches it). Without IAM, or under a key that
 * is no function's, the call is allowed.
 */
export function authorizeHookCall(
  stack: Pick<LocalStackFile, 'iam'>,
  accessKeyId: string | undefined,
  action: string,
  _resource: string,
): ObservedCall {
  const identity = stack.iam && accessKeyId !== undefined ? Object.values(stack.iam.functions).find((f) => f.roleName !== undefined && f.credentials.accessKeyId === accessKeyId) : undefined;
  // A key that is no function's (the local administrator's, local machinery) is allowed, as moto allows the administrator.
  const allowed = identity === undefined || identity.granted.some((granted) => !granted.startsWith('NotAction:') && iamActionMatches(granted, action));
  return { ...(accessKeyId ? { accessKeyId } : {}), actions: [action], status: allowed ? 200 : 403 };
}

/** The error a denied hook call throws: AWS's AccessDeniedException, naming the action. */
function accessDenied(call: ObservedCall, action: string, resource: string): Error {
  const error = new Error(`User: ${call.accessKeyId ?? 'anonymous'} is not authorized to perform: ${action} on resource: ${resource}`);
  error.name = 'AccessDeniedException';
  return error;
}

/** Whether IAM is enforced, and how to change it. */
export function iamLine(stack: Pick<LocalStackFile, 'iam'>, wanted: boolean, external: string | undefined): string {
  if (stack.iam) {
    const roles = new Set(Object.values(stack.iam.functions).map((f) => f.roleName).filter(Boolean)).size;
    return `iam         enforced: each function runs as a session of its own role (${roles} roles); a call its role lacks fails with AccessDenied (--no-iam: off)`;
  }
  if (!wanted) return 'iam         not enforced (--no-iam): every function may call anything';
  return (
    `iam         not enforced: the emulator at ${external ?? 'the given endpoint'} was not started by this run, so functions ` +
    "call it with local mode's dummy credentials, as whatever identity it gives them (LocalStack: its administrator)"
  );
}

/** What the user can do with the emulator a finished simulation keeps. */
export function keptMessage(stack: Pick<LocalStackFile, 'endpoint' | 'region' | 'outputs' | 'iam'>, kept: KeptEmulator): string {
  const table = stack.outputs[PlatformOutput.TABLE_NAME] ?? '<table>';
  const key = stack.iam ? `AWS_ACCESS_KEY_ID=${stack.iam.admin.accessKeyId} AWS_SECRET_ACCESS_KEY=${stack.iam.admin.secretAccessKey}` : 'AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing';
  return [
    `kept        the emulator at ${stack.endpoint} until ${kept.until} (--keep); inspect what the run did:`,
    '              npx cdk-jobs list    npx cdk-jobs history <job>    npx cdk-jobs failures',
    `              ${key} aws --endpoint-url ${stack.endpoint} --region ${stack.region} dynamodb scan --table-name ${table}`,
    "            'npx cdk-jobs dev --stop' stops it now; the next 'cdk-jobs dev' stops it first",
  ].join('\n');
}

function progressBars(from: number, until: number): { multi: MultiBar; bar: SingleBar } {
  const multi = new MultiBar(
    {
      stream: terminalStream(process.stderr),
      format: 'simulating [{bar}] {percentage}% | {time} | {runs} runs | {failed} failed',
      hideCursor: true,
      clearOnComplete: true,
    },
    Presets.shades_classic,
  );
  const total = Math.max(1, Math.round((until - from) / 60_000));
  const bar = multi.create(total, 0, { time: new Date(from).toISOString().slice(0, 16), runs: 0, failed: 0 }) as unknown as SingleBar;
  return { multi, bar };
}
