import { describe, expect, it } from 'vitest';
import { JobConfigurationError, ScheduledJobsError } from '../../../lib/contract';
import { CheckpointError, ContinuationError, InvalidJobEventError, InvalidPayloadError, StateTableError } from '../../../lambdas/runtime/errors';
import {
  OneTimeBatchError,
  OneTimeScheduleRequestError,
  OneTimeSchedulerConfigError,
  OneTimeScheduleValidationError,
} from '../../../lambdas/runtime/once-errors';
import { MalformedListingError } from '../../../lambdas/shared/s3-listing';
import { WatchdogConfigError, WatchdogRunError, WatchdogScheduleError } from '../../../lambdas/watchdog/errors';

describe('errors thrown in Lambda', () => {
  const cause = new Error('underlying');
  const errors: Array<[Error, string]> = [
    [new InvalidJobEventError('m', 'job', 'nightly', { cause }), 'InvalidJobEventError'],
    [new InvalidPayloadError('m', 'nightly', { cause }), 'InvalidPayloadError'],
    [new ContinuationError('m', 'nightly', { cause }), 'ContinuationError'],
    [new CheckpointError('m', 'nightly', { cause }), 'CheckpointError'],
    [new StateTableError('m', { cause }), 'StateTableError'],
    [new OneTimeScheduleValidationError('m', 'key', { cause }), 'OneTimeScheduleValidationError'],
    [new OneTimeSchedulerConfigError('m', { cause }), 'OneTimeSchedulerConfigError'],
    [new OneTimeScheduleRequestError('m', 'k', { cause }), 'OneTimeScheduleRequestError'],
    [new OneTimeBatchError('m', [], { cause }), 'OneTimeBatchError'],
    [new WatchdogConfigError('m', { cause }), 'WatchdogConfigError'],
    [new WatchdogScheduleError('m', { cause }), 'WatchdogScheduleError'],
    [new WatchdogRunError('m', ['nightly'], { cause }), 'WatchdogRunError'],
  ];

  it.each(errors)('%s is a ScheduledJobsError named after its class, with its cause', (error, name) => {
    expect(error).toBeInstanceOf(ScheduledJobsError);
    expect(error.name).toBe(name);
    expect(error.cause).toBe(cause);
  });

  it('the listing guard is a ScheduledJobsError too', () => {
    const error = new MalformedListingError('m');
    expect(error).toBeInstanceOf(ScheduledJobsError);
    expect(error.name).toBe('MalformedListingError');
  });

  it('configuration errors of the one-time scheduler and the watchdog are JobConfigurationErrors', () => {
    expect(new OneTimeSchedulerConfigError('m')).toBeInstanceOf(JobConfigurationError);
    expect(new WatchdogConfigError('m')).toBeInstanceOf(JobConfigurationError);
    expect(new WatchdogScheduleError('m')).not.toBeInstanceOf(JobConfigurationError);
  });
});
