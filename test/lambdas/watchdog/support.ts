/** Helpers shared by the watchdog tests. */
import { vi } from 'vitest';

/** One EMF metric line: the metric values by name, and the `service` dimension. */
export interface EmfRecord {
  readonly namespace: string;
  readonly dimensions: readonly (readonly string[])[];
  readonly service: string;
  readonly values: Record<string, number>;
}

/**
 * Runs `fn` while capturing what Powertools Metrics prints to stdout, and returns the EMF records
 * printed (other output passes through).
 */
export async function captureEmf<T>(fn: () => Promise<T>): Promise<{ result: T; emf: EmfRecord[] }> {
  const emf: EmfRecord[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    let handled = false;
    for (const line of text.split('\n')) {
      if (!line.includes('"_aws"')) continue;
      const parsed = JSON.parse(line) as {
        _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[] };
        service: string;
      } & Record<string, unknown>;
      const directive = parsed._aws.CloudWatchMetrics[0];
      const values: Record<string, number> = {};
      for (const metric of directive.Metrics) values[metric.Name] = parsed[metric.Name] as number;
      emf.push({ namespace: directive.Namespace, dimensions: directive.Dimensions, service: parsed.service, values });
      handled = true;
    }
    return handled ? true : (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  });
  try {
    const result = await fn();
    return { result, emf };
  } finally {
    spy.mockRestore();
  }
}
