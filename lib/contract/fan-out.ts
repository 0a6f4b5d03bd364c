/**
 * The fan-out contract: what the `FanOutJob` state machine passes to the job's one function in each
 * phase (plan, work, finish), the manifest's place in S3 and the Step Functions limits the construct
 * validates. Pure: shared by the construct, the runtime and local mode.
 */
import type { JobEvent } from './index';

/** Environment variables the `FanOutJob` construct sets on the job's function (besides `JobEnv`). */
export const FanOutEnv = {
  /** The platform's fan-out bucket (manifests and results). */
  BUCKET_NAME: 'FAN_OUT_BUCKET_NAME',
  /** The job's state machine, which the function starts when it receives a job event. */
  STATE_MACHINE_ARN: 'FAN_OUT_STATE_MACHINE_ARN',
} as const;

/**
 * `Symbol.for(...)` key under which local mode installs its `StartExecution` (it runs the
 * synthesized definition in-process) for the runtime to call instead of Step Functions.
 */
export const LOCAL_START_EXECUTION_KEY = 'cdk-scheduled-jobs.local-start-execution';

/** `Symbol.for(...)` key of local mode's `DescribeExecution` (the status of an execution it ran). */
export const LOCAL_DESCRIBE_EXECUTION_KEY = 'cdk-scheduled-jobs.local-describe-execution';

/** Local mode's `DescribeExecution`: the execution's status, or undefined when it does not know it. */
export type LocalDescribeExecution = (executionArn: string) => Promise<{ readonly status: string } | undefined>;

/** What local mode's `StartExecution` receives and returns. */
export type LocalStartExecution = (request: {
  readonly stateMachineArn: string;
  readonly name: string;
  readonly input: unknown;
}) => Promise<{
  readonly executionArn: string;
  readonly alreadyExists?: boolean;
  /** Local mode runs the execution before answering: its status (`SUCCEEDED`, `FAILED`), output and error. */
  readonly status?: string;
  readonly output?: unknown;
  readonly error?: string;
  readonly cause?: string;
}>;

/** Step Functions limits the construct checks at synth time. */
export const FanOutLimits = {
  /** Distributed Map `MaxConcurrency`: 1-10,000 parallel child executions. */
  MAX_CONCURRENCY: 10_000,
  /** `ItemBatcher.MaxInputBytesPerBatch`: at most 256 KiB. */
  MAX_INPUT_BYTES_PER_BATCH: 262_144,
  /** Step Functions' limit of a state's input or output: 256 KiB. */
  MAX_PAYLOAD_BYTES: 262_144,
  /** Execution names: 1-80 characters. */
  MAX_EXECUTION_NAME_LENGTH: 80,
} as const;

/** The key prefix under which the runtime writes a job's manifests (`fan-out/<job>/`). */
export const FAN_OUT_PREFIX = 'fan-out/';

/** The slot as it may appear in an S3 key or an execution name: `2026-03-01T02:00:00.000Z` -> `20260301T020000000Z`. */
export function slotToken(slot: string): string {
  return slot.replace(/[^0-9A-Za-z]/g, (c) => (c === '#' ? '_' : ''));
}

/** Where the plan of one run writes its manifest. */
export function manifestKey(job: string, slot: string, attempt: number): string {
  return `${FAN_OUT_PREFIX}${job}/${slotToken(slot)}/attempt-${attempt}/manifest.json`;
}

/** Where the Distributed Map's `ResultWriter` writes for one job (Step Functions adds the execution's own folder). */
export function resultsPrefix(job: string): string {
  return `${FAN_OUT_PREFIX}${job}/results`;
}

/**
 * The Step Functions execution name of a scheduled run: `<job>-<slot token>`. Step Functions starts
 * a name once (for 90 days), so a second delivery of the same slot cannot start a second execution.
 * Names may not contain `:`, hence the token. A manual re-run adds a suffix (`-r<epoch seconds>`).
 */
export function executionName(job: string, slot: string, suffix?: string): string {
  const name = `${job}-${slotToken(slot)}${suffix ? `-${suffix}` : ''}`;
  return name.slice(0, FanOutLimits.MAX_EXECUTION_NAME_LENGTH);
}

/** Identifies one run of a fan-out job; the plan returns it and the later phases carry it. */
export interface FanOutRun {
  readonly job: string;
  readonly slot: string;
  /** The slot's scheduled instant (ISO). */
  readonly scheduledTime: string;
  readonly manual: boolean;
  /** The claim's attempt (every later write is conditional on it). */
  readonly attempt: number;
  /** When the plan claimed the slot (ISO): the run's duration is measured from it. */
  readonly startedAt: string;
  /** The payload, as the plan parsed it. */
  readonly payload?: unknown;
}

/** The task input of the plan phase: the execution's input (a job event). */
export interface FanOutPlanInput {
  readonly phase: 'plan';
  readonly event: JobEvent;
  /** The execution's ARN (`$$.Execution.Id`), kept on the run record. */
  readonly executionArn?: string;
}

/** What the plan phase returns (the state machine stores it at `$.plan`). */
export interface FanOutPlanOutput {
  /** `RUN`: go on to the map; anything else ends the execution at once (a duplicate, a skip, nothing to do). */
  readonly next: 'RUN' | 'DUPLICATE' | 'SKIPPED' | 'DONE';
  readonly run?: FanOutRun;
  /** The manifest of items still to process. */
  readonly manifest?: { readonly bucket: string; readonly key: string };
  /** Items the plan returned. */
  readonly planned: number;
  /** Items already done by an earlier attempt of this slot (left out of the manifest). */
  readonly alreadyDone: number;
  /** Items in the manifest. */
  readonly pending: number;
  readonly reason?: string;
}

/** The `BatchInput` the map adds to each batch. */
export interface FanOutWorkBatchInput {
  readonly phase: 'work';
  readonly run: FanOutRun;
}

/** A child execution's input: the batch (`ItemBatcher` shape). */
export interface FanOutWorkInput {
  readonly Items: readonly { readonly key: string }[];
  readonly BatchInput: FanOutWorkBatchInput;
}

/** What one batch returns (small: `ResultWriter` collects it). */
export interface FanOutWorkOutput {
  readonly processed: number;
  /** Items skipped because an earlier attempt had already done them. */
  readonly alreadyDone: number;
}

/** The task input of the finish phase. */
export interface FanOutFinishInput {
  readonly phase: 'finish';
  readonly plan: FanOutPlanOutput;
  /** Set when the map failed (tolerance exceeded, or its own error): the `Catch` output. */
  readonly mapError?: { readonly Error?: string; readonly Cause?: string };
}

/** What the finish phase returns; the state machine fails the execution when `status` is `FAILED`. */
export interface FanOutFinishOutput {
  readonly status: 'SUCCEEDED' | 'PARTIAL' | 'FAILED';
  readonly succeeded: number;
  readonly failed: number;
}

/** Any task input of a fan-out function (a plain job event starts an execution). */
export type FanOutTaskInput = FanOutPlanInput | FanOutWorkInput | FanOutFinishInput | JobEvent;

/** What the function returns when a job event started (or did not start) an execution. */
export interface FanOutStartOutput {
  readonly job: string;
  readonly slot: string;
  /** `STARTED`; `DUPLICATE` when the slot's execution exists and the slot may not run again; in local mode the run's final status. */
  readonly status: string;
  readonly executionArn?: string;
  readonly executionName?: string;
  readonly reason?: string;
}
