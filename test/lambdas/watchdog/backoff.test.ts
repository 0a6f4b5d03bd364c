import { ThrottlingException } from '@aws-sdk/client-scheduler';
import { describe, expect, it, vi } from 'vitest';
import { isThrottlingError, withBackoff } from '../../../lambdas/watchdog/backoff';
import { WatchdogThrottledError } from '../../../lambdas/watchdog/errors';

const throttled = () => new ThrottlingException({ message: 'Rate exceeded', Message: 'Rate exceeded', $metadata: {} });

describe('isThrottlingError', () => {
  it('knows the throttling errors of Scheduler and DynamoDB, and the SDK flag', () => {
    expect(isThrottlingError(throttled())).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('x'), { name: 'ProvisionedThroughputExceededException' }))).toBe(true);
    expect(isThrottlingError(Object.assign(new Error('x'), { name: 'Other', $retryable: { throttling: true } }))).toBe(true);
    expect(isThrottlingError(new Error('ValidationException'))).toBe(false);
    expect(isThrottlingError('ThrottlingException')).toBe(false);
    expect(isThrottlingError(undefined)).toBe(false);
  });
});

describe('withBackoff', () => {
  it('retries a throttled call with doubling, capped, jittered delays', async () => {
    // Prepare: throttled four times, then answers; jitter at its top (0.5 of the ceiling)
    const sleeps: number[] = [];
    const call = vi.fn<() => Promise<string>>();
    for (let i = 0; i < 4; i += 1) call.mockRejectedValueOnce(throttled());
    call.mockResolvedValueOnce('ok');
    // Act
    const result = await withBackoff('GetSchedule', call, {
      baseDelayMs: 100,
      maxDelayMs: 500,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
    });
    // Assess: ceilings 100, 200, 400, 500 (capped), halved by the jitter
    expect(result).toBe('ok');
    expect(call).toHaveBeenCalledTimes(5);
    expect(sleeps).toEqual([50, 100, 200, 250]);
  });

  it('gives up after maxAttempts with an error naming the call, the cause kept', async () => {
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(throttled());
    const failure = withBackoff("GetSchedule 'nightly-report' in group 'jobs'", call, { maxAttempts: 3, sleep: async () => undefined });
    await expect(failure).rejects.toThrow(WatchdogThrottledError);
    await expect(failure).rejects.toThrow("GetSchedule 'nightly-report' in group 'jobs' was still throttled after 3 attempts");
    await expect(failure).rejects.toMatchObject({ cause: { name: 'ThrottlingException' } });
    expect(call).toHaveBeenCalledTimes(3);
  });

  it('passes any other error through at once', async () => {
    const error = Object.assign(new Error('no such table'), { name: 'ResourceNotFoundException' });
    const call = vi.fn<() => Promise<string>>().mockRejectedValue(error);
    await expect(withBackoff('Query', call, { sleep: async () => undefined })).rejects.toBe(error);
    expect(call).toHaveBeenCalledTimes(1);
  });
});
