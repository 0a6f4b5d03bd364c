/**
 * Where a CLI run's handler output goes on a local stack: one file per job and command,
 * `.local/logs/<job>/<time>.log`, so that what a job logged (and the EMF metric lines it printed)
 * can be read after a quiet run. Writes are synchronous and appended as they come, so the file is
 * complete even when the command is interrupted.
 */
import { appendFileSync, mkdirSync, openSync, closeSync } from 'node:fs';
import { join } from 'node:path';

/** A log file of a job, opened by `RunLogs.open`. */
export interface RunLogFile {
  readonly job: string;
  readonly path: string;
}

/** The file name of a log opened at `at`: its ISO time, with `-` for `:` (valid on every file system). */
export function runLogName(at: Date, attempt = 1): string {
  const stamp = at.toISOString().replace(/:/g, '-');
  return attempt === 1 ? `${stamp}.log` : `${stamp}-${attempt}.log`;
}

/** Folder-safe form of a job or function name. */
function folderOf(job: string): string {
  return job.replace(/[^A-Za-z0-9._-]/g, '_') || '_';
}

/** The log files of one command, one per job, created on first use under `<logsDir>/<job>/`. */
export class RunLogs {
  private readonly files = new Map<string, RunLogFile>();

  /**
   * @param logsDir the folder of all run logs (`<project>/.local/logs`).
   * @param now the clock that names the files.
   * @param opened called once per file, when it is created.
   */
  constructor(
    private readonly logsDir: string,
    private readonly now: () => Date,
    private readonly opened: (file: RunLogFile) => void = () => undefined,
  ) {}

  /** The job's log file of this command; creates it (never overwriting another) on first use. */
  open(job: string): RunLogFile {
    const known = this.files.get(job);
    if (known) return known;
    const dir = join(this.logsDir, folderOf(job));
    mkdirSync(dir, { recursive: true });
    const at = this.now();
    for (let attempt = 1; ; attempt += 1) {
      const path = join(dir, runLogName(at, attempt));
      try {
        closeSync(openSync(path, 'wx'));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
        throw error;
      }
      const file = { job, path };
      this.files.set(job, file);
      this.opened(file);
      return file;
    }
  }

  /** Appends what a job's handler wrote to its log file. */
  write(job: string, text: string): void {
    appendFileSync(this.open(job).path, text);
  }
}
