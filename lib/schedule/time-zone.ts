/**
 * IANA time-zone math through `Intl` only: no offset tables of our own. One `Intl.DateTimeFormat`
 * is created per zone and cached, because formatting an instant is the hot path of `nextRuns`.
 *
 * Conventions: a UTC instant is epoch ms; a local wall-clock time is "local ms" (the wall clock
 * encoded as if it were UTC, see calendar.ts); the offset is `local - utc` in ms.
 *
 * One assumption, checked against every zone `Intl` knows for 1970-2040 (the closest two offset
 * changes of any zone are more than four days apart): no zone changes its offset twice within
 * two days. It lets each zone remember one span of instants known to share an offset, so that
 * consecutive runs rarely need a formatter call.
 */
import { DAY_MS, floorTo } from './calendar';
import { ScheduleExpressionError } from './errors';

interface Zone {
  readonly format: Intl.DateTimeFormat;
  /** True when the zone is UTC itself (offset always 0, no formatting needed). */
  readonly utc: boolean;
  /** Every instant in [spanStart, spanEnd] has the offset spanOffset (empty while start > end). */
  spanStart: number;
  spanEnd: number;
  spanOffset: number;
}

/** Largest gap over which two equal offsets prove a constant offset (see the assumption above). */
const SPAN_REACH = 2 * DAY_MS;

const zones = new Map<string, Zone>();

/** A zone name as IANA writes them: `UTC`, `EST5EDT`, `Europe/London`, `Etc/GMT+5`, `America/Port-au-Prince`. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

const EXAMPLES = "expected an IANA zone name such as 'UTC' or 'Europe/London'";

function loadZone(timeZone: string): Zone {
  const cached = zones.get(timeZone);
  if (cached !== undefined) return cached;
  if (typeof timeZone !== 'string' || !ZONE_NAME.test(timeZone)) {
    throw new ScheduleExpressionError(`unknown time zone '${String(timeZone)}': ${EXAMPLES}`, { field: 'time zone' });
  }
  let format: Intl.DateTimeFormat;
  try {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
  } catch (cause) {
    throw new ScheduleExpressionError(`unknown time zone '${timeZone}': ${EXAMPLES}`, { field: 'time zone', cause });
  }
  const resolved = format.resolvedOptions().timeZone;
  // Intl matches zone names case-insensitively; EventBridge Scheduler takes them as IANA spells them.
  if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) {
    throw new ScheduleExpressionError(
      `unknown time zone '${timeZone}': IANA zone names are case-sensitive; expected '${resolved}'`,
      { field: 'time zone' },
    );
  }
  const zone: Zone = { format, utc: resolved === 'UTC', spanStart: 1, spanEnd: 0, spanOffset: 0 };
  if (zones.size >= 512) zones.clear();
  zones.set(timeZone, zone);
  return zone;
}

/**
 * Returns `timeZone` when it names an IANA time zone this runtime knows, else throws
 * {@link ScheduleExpressionError}: `unknown time zone 'Mars/Olympus': expected an IANA zone name
 * such as 'UTC' or 'Europe/London'`.
 */
export function validateTimeZone(timeZone: string): string {
  loadZone(timeZone);
  return timeZone;
}

/** Parses `M/D/YYYY, HH:MM:SS` (en-US, h23) into local ms without allocating parts objects. */
function parseFormatted(text: string): number {
  const n = [0, 0, 0, 0, 0, 0];
  let i = 0;
  let inNumber = false;
  for (let c = 0; c < text.length && i < 6; c++) {
    const code = text.charCodeAt(c);
    if (code >= 48 && code <= 57) {
      n[i] = n[i] * 10 + (code - 48);
      inNumber = true;
    } else if (inNumber) {
      i++;
      inNumber = false;
    }
  }
  const [month, day, year, hour, minute, second] = n;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

function formattedOffset(zone: Zone, utcMs: number): number {
  const whole = floorTo(utcMs, 1000);
  return parseFormatted(zone.format.format(whole)) - whole;
}

/**
 * The offset at `t`, from the zone's known constant span when `t` lies in it; otherwise from the
 * formatter, growing the span by up to {@link SPAN_REACH} at a time (probing that far ahead, so
 * runs a few minutes or a day apart cost a formatter call only every other day or so).
 */
function offsetAt(zone: Zone, t: number): number {
  if (t >= zone.spanStart && t <= zone.spanEnd) return zone.spanOffset;
  const known = zone.spanStart <= zone.spanEnd;
  if (known && t > zone.spanEnd && t - zone.spanEnd <= SPAN_REACH) {
    // At most one change lies in (spanEnd, spanEnd + reach]: equal offsets at its far end mean none.
    const far = zone.spanEnd + SPAN_REACH;
    if (formattedOffset(zone, far) === zone.spanOffset) {
      zone.spanEnd = far;
      return zone.spanOffset;
    }
    const offset = formattedOffset(zone, t);
    if (offset === zone.spanOffset) zone.spanEnd = t;
    else setSpan(zone, t, offset);
    return offset;
  }
  if (known && t < zone.spanStart && zone.spanStart - t <= SPAN_REACH) {
    const far = zone.spanStart - SPAN_REACH;
    if (formattedOffset(zone, far) === zone.spanOffset) {
      zone.spanStart = far;
      return zone.spanOffset;
    }
    const offset = formattedOffset(zone, t);
    if (offset === zone.spanOffset) zone.spanStart = t;
    else setSpan(zone, t, offset);
    return offset;
  }
  const offset = formattedOffset(zone, t);
  setSpan(zone, t, offset);
  return offset;
}

function setSpan(zone: Zone, t: number, offset: number): void {
  zone.spanStart = t;
  zone.spanEnd = t;
  zone.spanOffset = offset;
}

/** UTC offset (`local - utc`, ms) of `timeZone` at the UTC instant `utcMs`. */
export function zoneOffsetMs(timeZone: string, utcMs: number): number {
  const zone = loadZone(timeZone);
  return zone.utc ? 0 : offsetAt(zone, utcMs);
}

/** Local wall clock (local ms) of the UTC instant `utcMs` in `timeZone`. */
export function utcToLocalMs(timeZone: string, utcMs: number): number {
  return utcMs + zoneOffsetMs(timeZone, utcMs);
}

/**
 * Every UTC instant whose wall clock in `timeZone` is `localMs`, earliest first: one normally,
 * none in a spring-forward gap, two in a fall-back overlap.
 *
 * The offsets a day either side bracket the instant (offsets lie within +-14 h); this assumes no
 * zone changes its offset twice within about three days, which holds for every zone in the IANA
 * database from 1970 on.
 */
export function localToUtcCandidates(timeZone: string, localMs: number): number[] {
  const zone = loadZone(timeZone);
  if (zone.utc) return [localMs];
  const before = zoneOffsetMs(timeZone, localMs - DAY_MS);
  const after = zoneOffsetMs(timeZone, localMs + DAY_MS);
  if (before === after) return [localMs - before];
  const result: number[] = [];
  // The larger offset gives the earlier instant.
  for (const offset of before > after ? [before, after] : [after, before]) {
    const utc = localMs - offset;
    if (zoneOffsetMs(timeZone, utc) === offset) result.push(utc);
  }
  return result;
}

/**
 * The instant EventBridge Scheduler fires for the wall clock `localMs`: its first occurrence, or
 * `undefined` when the wall clock does not exist that day (skipped by a spring-forward change).
 */
export function firstInstantOfLocal(timeZone: string, localMs: number): number | undefined {
  const candidates = localToUtcCandidates(timeZone, localMs);
  return candidates.length === 0 ? undefined : candidates[0];
}
