import { ListSchedulesCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { jobOfOneTimeName, pendingOneTimeCounts } from '../../../tools/cli/one-time';

describe('jobOfOneTimeName', () => {
  it('takes the part before the first dot, and nothing from a name without one', () => {
    expect(jobOfOneTimeName('payment-reminder.sub-1.abc')).toBe('payment-reminder');
    expect(jobOfOneTimeName('no-dot')).toBeUndefined();
    expect(jobOfOneTimeName('.leading')).toBeUndefined();
  });
});

describe('pendingOneTimeCounts', () => {
  const scheduler = mockClient(SchedulerClient);
  afterEach(() => scheduler.reset());

  it('counts the schedules of the group per job, page after page, skipping other groups', async () => {
    // Prepare
    scheduler
      .on(ListSchedulesCommand, { GroupName: 'Jobs-once', NextToken: undefined })
      .resolves({
        Schedules: [
          { Name: 'reminder.invoice-1.a', GroupName: 'Jobs-once' },
          { Name: 'reminder.invoice-2.b', GroupName: 'Jobs-once' },
          { Name: 'export.k.c', GroupName: 'other' },
        ],
        NextToken: 'p2',
      })
      .on(ListSchedulesCommand, { GroupName: 'Jobs-once', NextToken: 'p2' })
      .resolves({ Schedules: [{ Name: 'reminder.invoice-3.c', GroupName: 'Jobs-once' }, { Name: 'export.k.d' }, { Name: 'nodot' }] });

    // Act
    const counts = await pendingOneTimeCounts(new SchedulerClient({}), 'Jobs-once');

    // Assess
    expect(counts).toEqual(new Map([['reminder', 3], ['export', 1]]));
    expect(scheduler).toHaveReceivedCommandTimes(ListSchedulesCommand, 2);
    expect(scheduler).toHaveReceivedCommandWith(ListSchedulesCommand, { GroupName: 'Jobs-once', MaxResults: 100 });
  });
});
