import { describe, expect, it } from 'vitest';
import { matchesCron, parseSchedule, type ParsedCronSchedule } from '../../../lib/schedule';

function cron(expression: string, timeZone = 'UTC'): ParsedCronSchedule {
  const parsed = parseSchedule(expression, timeZone);
  if (parsed.kind !== 'cron') throw new Error(`not a cron: ${expression}`);
  return parsed;
}

describe('matchesCron', () => {
  it.each([
    // 2026-01-05 is a Monday; 09:00 EST = 14:00Z.
    ['cron(0 9 ? * MON-FRI *)', 'America/New_York', '2026-01-05T14:00:00Z', true],
    ['cron(0 9 ? * MON-FRI *)', 'America/New_York', '2026-01-05T09:00:00Z', false],
    ['cron(0 9 ? * MON-FRI *)', 'America/New_York', '2026-01-04T14:00:00Z', false],
    // Seconds are ignored (minute precision).
    ['cron(0 9 ? * MON-FRI *)', 'America/New_York', '2026-01-05T14:00:42Z', true],
    // Both instants showing 01:30 on the fall-back night match the wall clock.
    ['cron(30 1 * * ? *)', 'America/Los_Angeles', '2026-11-01T08:30:00Z', true],
    ['cron(30 1 * * ? *)', 'America/Los_Angeles', '2026-11-01T09:30:00Z', true],
    // Last Friday of January 2026 is the 30th; the 23rd is not.
    ['cron(0 0 ? * 6L *)', 'UTC', '2026-01-30T00:00:00Z', true],
    ['cron(0 0 ? * 6L *)', 'UTC', '2026-01-23T00:00:00Z', false],
    ['cron(0 0 LW * ? *)', 'UTC', '2026-01-30T00:00:00Z', true],
    ['cron(0 0 LW * ? *)', 'UTC', '2026-01-31T00:00:00Z', false],
    ['cron(0 0 * * ? 2027)', 'UTC', '2026-06-01T00:00:00Z', false],
  ])('%s in %s at %s -> %s', (expression, zone, instant, expected) => {
    expect(matchesCron(cron(expression, zone), new Date(instant))).toBe(expected);
  });
});
