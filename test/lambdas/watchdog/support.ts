/** Helpers shared by the watchdog tests. */
import { vi } from 'vitest';

/** One EMF metric line: the metric values by name, and the `service` dimension. */
export interface EmfRecord {
  readonly namespace: string;
  readonly dimensions: readonly (readonly string[])[];
  readonly service: string;
  readonly values: Record<string, number>;
}

/** One line the code under test logged (Powertools prints JSON; anything else is kept as text). */
export type LogLine = Record<string, unknown> | string;

/**
 * Runs `fn` while capturing what it prints to stdout and stderr: the EMF records Powertools
 * Metrics prints, and every other line (the logs), so a passing test prints nothing.
 */
export async function captureEmf<T>(fn: () => Promise<T>): Promise<{ result: T; emf: EmfRecord[]; logs: LogLine[] }> {
  const emf: EmfRecord[] = [];
  const logs: LogLine[] = [];
  const capture = (chunk: string | Uint8Array): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      if (!line.includes('"_aws"')) {
        logs.push(parseLine(line));
        continue;
      }
      const parsed = JSON.parse(line) as {
        _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
        service: string;
      } & Record<string, unknown>;
      const directive = parsed._aws.CloudWatchMetrics[0];
      const values: Record<string, number> = {};
      for (const metric of directive.Metrics) values[metric.Name] = parsed[metric.Name] as number;
      emf.push({ namespace: directive.Namespace, dimensions: directive.Dimensions, service: parsed.service, values });
    }
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    const result = await fn();
    return { result, emf, logs };
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
}

function parseLine(line: string): LogLine {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
}
