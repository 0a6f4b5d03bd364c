/**
 * Property test: `nextRuns` and `runsBetween` agree with a brute-force oracle that walks every UTC
 * minute of a window, reads its wall clock with `Intl.DateTimeFormat#formatToParts`, checks the
 * cron fields with its own naive day rules, and fires a wall clock only the first time it is seen
 * (the fall-back rule; a skipped wall clock is never seen, the spring-forward rule).
 *
 * Half the windows are centred on a real UTC-offset change of the zone, found by scanning.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { matchesCron, nextRuns, parseSchedule, runsBetween, zoneOffsetMs, type ParsedCronSchedule } from '../../../lib/schedule';

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

const ZONES = [
  'UTC',
  'America/Los_Angeles',
  'America/New_York',
  'America/St_Johns',
  'America/Sao_Paulo',
  'Europe/London',
  'Europe/Berlin',
  'Africa/Casablanca',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Australia/Sydney',
  'Australia/Lord_Howe',
  'Pacific/Chatham',
  'Pacific/Apia',
];

// --- independent wall-clock reading -------------------------------------------------------------

const partsFormats = new Map<string, Intl.DateTimeFormat>();

interface Wall {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
}

function wallOf(zone: string, utcMs: number): Wall {
  let format = partsFormats.get(zone);
  if (format === undefined) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
    });
    partsFormats.set(zone, format);
  }
  const get: Record<string, number> = {};
  for (const part of format.formatToParts(utcMs)) if (part.type !== 'literal') get[part.type] = Number(part.value);
  return { y: get.year, mo: get.month, d: get.day, h: get.hour, mi: get.minute };
}

// --- naive cron matcher (deliberately written from the definitions, not from the engine) ----------

function naiveDayMatches(p: ParsedCronSchedule, y: number, mo: number, d: number): boolean {
  const dim = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  const dowOf = (day: number): number => new Date(Date.UTC(y, mo - 1, day)).getUTCDay() + 1;
  const isWeekday = (day: number): boolean => dowOf(day) >= 2 && dowOf(day) <= 6;
  const dom = p.dayOfMonth;
  if (dom.type === 'days') return dom.days.includes(d);
  if (dom.type === 'last') return d === dim - dom.offset;
  if (dom.type === 'lastWeekday') {
    if (!isWeekday(d)) return false;
    for (let later = d + 1; later <= dim; later++) if (isWeekday(later)) return false;
    return true;
  }
  if (dom.type === 'nearestWeekday') {
    if (dom.day > dim || !isWeekday(d)) return false;
    // The weekday of this month closest to the target day.
    let best = -1;
    for (let day = 1; day <= dim; day++) {
      if (isWeekday(day) && (best < 0 || Math.abs(day - dom.day) < Math.abs(best - dom.day))) best = day;
    }
    return d === best;
  }
  const dow = p.dayOfWeek;
  if (dow.type === 'days') return dow.days.includes(dowOf(d));
  if (dow.type === 'last') return dowOf(d) === dow.day && (d + 7 > dim);
  if (dow.type === 'nth') {
    if (dowOf(d) !== dow.day) return false;
    let seen = 0;
    for (let day = 1; day <= d; day++) if (dowOf(day) === dow.day) seen++;
    return seen === dow.nth;
  }
  return false;
}

function naiveMatches(p: ParsedCronSchedule, w: Wall): boolean {
  return p.years.includes(w.y) && p.months.includes(w.mo) && p.hours.includes(w.h) && p.minutes.includes(w.mi)
    && naiveDayMatches(p, w.y, w.mo, w.d);
}

/** Every fire instant in (from, to], minute by minute. */
function oracle(p: ParsedCronSchedule, from: number, to: number): number[] {
  const seen = new Set<string>();
  const fired: number[] = [];
  // A wall clock seen in the hours before the window has already fired. No zone here turns its
  // clocks back by more than an hour or two, so four hours of history cover every repeat.
  for (let u = Math.floor(from / MINUTE) * MINUTE - 4 * HOUR; u <= to; u += MINUTE) {
    const w = wallOf(p.timeZone, u);
    const key = `${w.y}-${w.mo}-${w.d} ${w.h}:${w.mi}`;
    if (seen.has(key)) continue;
    seen.add(key);
    if (u > from && naiveMatches(p, w)) fired.push(u);
  }
  return fired;
}

// --- offset changes, to centre windows on them ----------------------------------------------------

const transitions = new Map<string, number[]>();

beforeAll(() => {
  // Only used to place windows, so the engine's own offset function may find them.
  for (const zone of ZONES) {
    const found: number[] = [];
    // Scan 2010-2030 every two days, then narrow each change to the minute.
    const step = 2 * DAY;
    let prev = zoneOffsetMs(zone, Date.UTC(2010, 0, 1));
    for (let u = Date.UTC(2010, 0, 1) + step; u < Date.UTC(2030, 0, 1); u += step) {
      const off = zoneOffsetMs(zone, u);
      if (off !== prev) {
        let lo = u - step;
        let hi = u;
        while (hi - lo > MINUTE) {
          const mid = Math.floor((lo + hi) / 2 / MINUTE) * MINUTE;
          if (zoneOffsetMs(zone, mid) === prev) lo = mid;
          else hi = mid;
        }
        found.push(hi);
        prev = off;
      }
    }
    transitions.set(zone, found);
  }
});

// --- random expressions ---------------------------------------------------------------------------

const pick = <T>(...values: T[]): fc.Arbitrary<T> => fc.constantFrom(...values);

const minutesField = fc.oneof(
  pick('*', '*/5', '*/7', '0/15', '0/30', '10-40/10', '0', '30', '59', '0,15,45', '5-9'),
  fc.integer({ min: 0, max: 59 }).map(String),
);
const hoursField = fc.oneof(
  { weight: 3, arbitrary: pick('*', '*', '0-3', '1', '2', '1,2,3', '0/2', '*/3') },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 23 }).map(String) },
);
const DAY_OF_MONTH_RULES = ['L', 'L-1', 'L-3', 'L-30', 'LW', '1W', '2W', '15W', '30W', '31W', '1', '1-7', '1,15,31', '29', '30', '*/2', '28-31'];
const DAY_OF_WEEK_RULES = ['MON-FRI', 'SUN', '1', '7', 'L', '6L', '1L', '7L', '1#1', '3#2', '7#5', '2#5', 'SAT,SUN', '2-4'];
// Mostly every day, so that windows around an offset change usually contain runs.
const dayOfMonthField = fc.oneof({ weight: 4, arbitrary: pick('*') }, { weight: 1, arbitrary: pick(...DAY_OF_MONTH_RULES) });
const dayOfWeekField = fc.oneof({ weight: 2, arbitrary: pick('*') }, { weight: 1, arbitrary: pick(...DAY_OF_WEEK_RULES) });
const monthField = pick('*', '*', '*', '3', '10,11', '3-4', 'JAN/3', 'MAR,APR,OCT,NOV');

const cronExpression = fc
  .tuple(minutesField, hoursField, fc.boolean(), dayOfMonthField, dayOfWeekField, monthField)
  .map(([mi, h, byMonthDay, dom, dow, mo]) => (byMonthDay ? `cron(${mi} ${h} ${dom} ${mo} ? *)` : `cron(${mi} ${h} ? ${mo} ${dow} *)`));

const window = fc.record({
  zone: fc.constantFrom(...ZONES),
  nearTransition: fc.boolean(),
  index: fc.nat(),
  // Random instant in 2010-2030, used when not near a transition.
  instant: fc.integer({ min: Date.UTC(2010, 0, 1), max: Date.UTC(2030, 0, 1) }),
  // Window start relative to the transition, and window length.
  lead: fc.integer({ min: 0, max: 24 * 60 }),
  lengthMinutes: fc.integer({ min: 60, max: 30 * 60 }),
  // Seconds inside the minute, so `after` is not always on a minute boundary.
  seconds: fc.integer({ min: 0, max: 59_999 }),
});

describe('nextRuns against a minute-by-minute oracle', () => {
  it('agrees on random expressions, zones and windows', () => {
    fc.assert(
      fc.property(cronExpression, window, (expression, w) => {
        const changes = transitions.get(w.zone) ?? [];
        const centre = w.nearTransition && changes.length > 0 ? changes[w.index % changes.length] : w.instant;
        const from = Math.floor(centre / MINUTE) * MINUTE - w.lead * MINUTE + w.seconds;
        const to = from + w.lengthMinutes * MINUTE;
        const parsed = parseSchedule(expression, w.zone);
        if (parsed.kind !== 'cron') throw new Error('expected a cron');

        const expected = oracle(parsed, from, to);
        const count = 50;
        const runs = nextRuns(expression, { timeZone: w.zone, after: new Date(from), count }).map((d) => d.getTime());

        // Strictly increasing, all after `from`, each matching the expression in its zone.
        runs.forEach((r, i) => {
          expect(r).toBeGreaterThan(i === 0 ? from : runs[i - 1]);
          expect(matchesCron(parsed, new Date(r))).toBe(true);
        });
        // Nothing skipped, nothing extra within the window.
        expect(runs.filter((r) => r <= to)).toEqual(expected.slice(0, count));
        if (expected.length >= count) expect(runs).toHaveLength(count);
        expect(runsBetween(expression, { timeZone: w.zone, from: new Date(from), to: new Date(to) }).map((d) => d.getTime()))
          .toEqual(expected);
      }),
      { numRuns: 70, seed: 20260301 },
    );
  });

  it('found offset changes to test around in every zone that has them', () => {
    for (const zone of ZONES) {
      expect(transitions.get(zone)!.length > 0).toBe(zone !== 'UTC' && zone !== 'Asia/Kolkata' && zone !== 'Asia/Kathmandu');
    }
  });
});

describe('day rules against a day-by-day oracle', () => {
  it('agree over whole random years', () => {
    const dayField = fc.oneof(
      pick(...DAY_OF_MONTH_RULES).map((dom) => `${dom} * ?`),
      pick(...DAY_OF_WEEK_RULES).map((dow) => `? * ${dow}`),
    );
    fc.assert(
      fc.property(dayField, fc.integer({ min: 1970, max: 2198 }), (days, year) => {
        const expression = `cron(0 12 ${days} *)`;
        const parsed = parseSchedule(expression);
        if (parsed.kind !== 'cron') throw new Error('expected a cron');
        const expected: number[] = [];
        for (let u = Date.UTC(year, 0, 1, 12); u < Date.UTC(year + 1, 0, 1); u += DAY) {
          const d = new Date(u);
          if (naiveDayMatches(parsed, d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate())) expected.push(u);
        }
        const runs = runsBetween(expression, { from: new Date(Date.UTC(year, 0, 1) - 1), to: new Date(Date.UTC(year + 1, 0, 1) - 1) });
        expect(runs.map((r) => r.getTime())).toEqual(expected);
      }),
      { numRuns: 150, seed: 42 },
    );
  });
});

describe('rate() against elapsed-time arithmetic', () => {
  it('runs are start + k * period, strictly after `after`', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom('minute', 'hour', 'day'),
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }),
        fc.integer({ min: -30 * DAY, max: 30 * DAY }),
        (value, unit, start, delta) => {
          const unitMs = unit === 'minute' ? MINUTE : unit === 'hour' ? HOUR : DAY;
          const period = value * unitMs;
          const expression = `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
          const startMs = Math.floor(start / 1000) * 1000;
          const after = startMs + delta;
          const runs = nextRuns(expression, { after: new Date(after), start: new Date(startMs), count: 5 }).map((d) => d.getTime());
          expect(runs).toHaveLength(5);
          for (const [i, r] of runs.entries()) {
            expect((r - startMs) % period).toBe(0);
            expect(r).toBeGreaterThanOrEqual(startMs);
            expect(r).toBeGreaterThan(after);
            if (i > 0) expect(r - runs[i - 1]).toBe(period);
          }
          // The first run is the first multiple after `after`: one period earlier is not.
          expect(runs[0] - period <= after || runs[0] === startMs).toBe(true);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});
