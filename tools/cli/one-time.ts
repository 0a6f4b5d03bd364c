/**
 * Pending one-time schedules, as `jobs list` counts them: every schedule of the one-time group is
 * named `<job>.<key...>` (see `oneTimeScheduleName`), so one ListSchedules pass counts them per job.
 */
import { paginateListSchedules, type SchedulerClient } from '@aws-sdk/client-scheduler';

/** The job a one-time schedule name belongs to (`payment-reminder.sub-1.abc` -> `payment-reminder`). */
export function jobOfOneTimeName(name: string): string | undefined {
  const dot = name.indexOf('.');
  return dot > 0 ? name.slice(0, dot) : undefined;
}

/** How many one-time schedules each job has pending in `group`. */
export async function pendingOneTimeCounts(scheduler: SchedulerClient, group: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const page of paginateListSchedules({ client: scheduler, pageSize: 100 }, { GroupName: group })) {
    for (const s of page.Schedules ?? []) {
      if (s.GroupName !== undefined && s.GroupName !== group) continue;
      const job = s.Name ? jobOfOneTimeName(s.Name) : undefined;
      if (job) counts.set(job, (counts.get(job) ?? 0) + 1);
    }
  }
  return counts;
}
