import { UpdraftError } from '../../common/errors.js';

/**
 * Wall-clock arithmetic in an IANA time zone, with the DST rules Airflow applies when it turns a
 * naive cron time into an instant (pendulum, `fold=1`): a wall time that does not exist (spring
 * forward) moves forward by the size of the gap, and a wall time that occurs twice (fall back)
 * resolves to its second occurrence.
 *
 * "Wall" values are epoch milliseconds of the wall-clock reading taken as if it were UTC.
 */
const DAY_MS = 86_400_000;

interface Zone {
  utc: boolean;
  format: Intl.DateTimeFormat;
  /** Per UTC day: the offset all day, or where in the day it changes. Offsets are asked for the same days over and over. */
  days: Map<number, DayOffsets>;
}

type DayOffsets = number | { changeAt: number; before: number; after: number };

const MAX_CACHED_DAYS = 50_000;
const zones = new Map<string, Zone>();

function zoneFor(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (zone === undefined) {
    let format: Intl.DateTimeFormat;
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
        hour: 'numeric', minute: 'numeric', second: 'numeric',
      });
    } catch (error) {
      throw new UpdraftError('UPDRAFT_ERR_INVALID_DAG',
        `time zone ${JSON.stringify(timeZone)} is not an IANA time zone; write a name like 'UTC', 'Europe/Berlin' or 'America/New_York'`,
        { cause: error, details: { timezone: timeZone } });
    }
    const resolved = format.resolvedOptions().timeZone;
    zone = { utc: resolved === 'UTC' || resolved === 'Etc/UTC' || resolved === 'Etc/GMT', format, days: new Map() };
    zones.set(timeZone, zone);
  }
  return zone;
}

/** Throws UPDRAFT_ERR_INVALID_DAG unless the runtime knows this time zone. */
export function assertTimeZone(timeZone: string): void {
  zoneFor(timeZone);
}

/** UTC offset (wall minus UTC) in force at an instant, in milliseconds. */
export function offsetAt(instant: number, timeZone: string): number {
  const zone = zoneFor(timeZone);
  if (zone.utc) return 0;
  const day = Math.floor(instant / DAY_MS);
  let offsets = zone.days.get(day);
  if (offsets === undefined) {
    offsets = dayOffsets(zone.format, day * DAY_MS);
    if (zone.days.size >= MAX_CACHED_DAYS) zone.days.clear();
    zone.days.set(day, offsets);
  }
  if (typeof offsets === 'number') return offsets;
  return instant < offsets.changeAt ? offsets.before : offsets.after;
}

/**
 * The offsets of one UTC day [start, start + 1 day). Zones change offset at most once a day, so
 * when the day starts and ends on the same offset it holds all day; otherwise the change is found
 * to the second by bisection.
 */
function dayOffsets(format: Intl.DateTimeFormat, start: number): DayOffsets {
  const before = rawOffset(format, start);
  const after = rawOffset(format, start + DAY_MS - 1000);
  if (before === after) return before;
  let low = start; // offset here is `before`
  let high = start + DAY_MS - 1000; // offset here is `after`
  while (high - low > 1000) {
    const mid = low + Math.floor((high - low) / 2000) * 1000;
    if (rawOffset(format, mid) === before) low = mid;
    else high = mid;
  }
  return { changeAt: high, before, after };
}

function rawOffset(format: Intl.DateTimeFormat, second: number): number {
  const fields: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(second))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  const wall = new Date(0);
  wall.setUTCFullYear(fields.year ?? 1970, (fields.month ?? 1) - 1, fields.day ?? 1);
  wall.setUTCHours(fields.hour ?? 0, fields.minute ?? 0, fields.second ?? 0, 0);
  return wall.getTime() - second;
}

export function toWall(instant: number, timeZone: string): number {
  return instant + offsetAt(instant, timeZone);
}

/** The instant a wall-clock reading denotes (second occurrence when repeated, shifted forward in a gap). */
export function fromWall(wall: number, timeZone: string): number {
  if (zoneFor(timeZone).utc) return wall;
  // Offsets either side of any transition near this wall time.
  const offsets = new Set([offsetAt(wall - DAY_MS, timeZone), offsetAt(wall, timeZone), offsetAt(wall + DAY_MS, timeZone)]);
  let best: number | null = null;
  for (const offset of offsets) {
    const instant = wall - offset;
    if (offsetAt(instant, timeZone) === offset && (best === null || instant > best)) best = instant;
  }
  if (best !== null) return best;
  // In a gap: read the wall time with the offset from before the jump, which lands it as far
  // past the gap as it was into it (02:30 in a 02:00–03:00 gap becomes 03:30).
  return wall - Math.min(...offsets);
}
