import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Cron } from 'croner';
import { isUpdraftError } from '../../common/errors.js';
import type { ScheduleSpec } from '../dag-spec.js';
import { timetableFor, type DataInterval, type NextRunInfo, type TimeRestriction, type Timetable } from './timetable.js';

const d = (iso: string): Date => new Date(iso);
const iso = (date: Date): string => date.toISOString().replace('.000Z', 'Z');
const interval = (info: NextRunInfo | null): [string, string] | null =>
  info === null ? null : [iso(info.dataInterval.start), iso(info.dataInterval.end)];
const cron = (expression: string, timezone = 'UTC', preset?: string): Timetable =>
  timetableFor({ schedule: preset === undefined ? { kind: 'cron', expression } : { kind: 'cron', expression, preset }, timezone });
const delta = (everyMs: number, text: string): Timetable => timetableFor({ schedule: { kind: 'delta', everyMs, text }, timezone: 'UTC' });
const restriction = (earliest: string | null, catchup: boolean, latest: string | null = null): TimeRestriction =>
  ({ earliest: earliest === null ? null : d(earliest), latest: latest === null ? null : d(latest), catchup });
const span = (a: string, b: string): DataInterval => ({ start: d(a), end: d(b) });
const NOW = d('2026-03-05T10:00:00Z');

/** Follows the timetable from no run for `count` runs, as the scheduler does with catchup. */
function follow(timetable: Timetable, r: TimeRestriction, count: number): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  let last: DataInterval | null = null;
  for (let i = 0; i < count; i++) {
    const next = timetable.nextDagRunInfo(last, r, NOW);
    if (next === null) break;
    out.push(interval(next)!);
    last = next.dataInterval;
  }
  return out;
}

const hours = (a: [string, string]): number => (d(a[1]).getTime() - d(a[0]).getTime()) / 3_600_000;

describe('cron timetable basics (UTC)', () => {
  test('a run covers [start, end), is created at end, and its logical date is start', () => {
    const info = cron('0 0 * * *', 'UTC', '@daily').nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', true), NOW)!;
    assert.equal(iso(info.logicalDate), '2026-01-01T00:00:00Z');
    assert.equal(iso(info.runAfter), '2026-01-02T00:00:00Z');
    assert.deepEqual(interval(info), ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
  });

  test('the first interval starts at startDate aligned up to the next tick', () => {
    assert.deepEqual(interval(cron('0 0 * * *').nextDagRunInfo(null, restriction('2026-01-01T10:00:00Z', true), NOW)),
      ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
    assert.deepEqual(interval(cron('15 */6 * * *').nextDagRunInfo(null, restriction('2026-01-01T00:16:00Z', true), NOW)),
      ['2026-01-01T06:15:00Z', '2026-01-01T12:15:00Z']);
  });

  test('catchup follows every interval after the last one', () => {
    assert.deepEqual(follow(cron('0 0 * * *'), restriction('2026-01-01T00:00:00Z', true), 3), [
      ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'],
      ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z'],
      ['2026-01-03T00:00:00Z', '2026-01-04T00:00:00Z'],
    ]);
    // Long after now, still the interval right after the last one: catchup creates them all.
    assert.deepEqual(interval(cron('0 0 * * *').nextDagRunInfo(span('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'),
      restriction('2026-01-01T00:00:00Z', true), NOW)), ['2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
  });

  test('catchup without startDate and without a last run: no run', () => {
    assert.equal(cron('0 0 * * *').nextDagRunInfo(null, restriction(null, true), NOW), null);
  });

  test('catchup=false: the newest complete interval (end <= now)', () => {
    const tt = cron('0 0 * * *');
    assert.deepEqual(interval(tt.nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', false), NOW)),
      ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
    // No startDate: the same.
    assert.deepEqual(interval(tt.nextDagRunInfo(null, restriction(null, false), NOW)),
      ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
    // An old last run is skipped over.
    assert.deepEqual(interval(tt.nextDagRunInfo(span('2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z'), restriction('2026-01-01T00:00:00Z', false), NOW)),
      ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
  });

  test('catchup=false with now exactly on a tick: the interval that ends now, due now', () => {
    const now = d('2026-03-05T00:00:00Z');
    const info = cron('0 0 * * *').nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', false), now)!;
    assert.deepEqual(interval(info), ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
    assert.equal(info.runAfter.getTime(), now.getTime());
    // One millisecond before the tick, that interval is not complete yet.
    assert.deepEqual(interval(cron('0 0 * * *').nextDagRunInfo(null, restriction(null, false), d('2026-03-04T23:59:59.999Z'))),
      ['2026-03-03T00:00:00Z', '2026-03-04T00:00:00Z']);
  });

  test('catchup=false when the last run is the newest: the next interval, due in the future', () => {
    const info = cron('0 0 * * *').nextDagRunInfo(span('2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z'), restriction('2026-01-01T00:00:00Z', false), NOW)!;
    assert.deepEqual(interval(info), ['2026-03-05T00:00:00Z', '2026-03-06T00:00:00Z']);
    assert.ok(info.runAfter.getTime() > NOW.getTime());
  });

  test('startDate in the future: the first interval starts at it (aligned), with or without catchup', () => {
    for (const catchup of [true, false]) {
      assert.deepEqual(interval(cron('0 0 * * *').nextDagRunInfo(null, restriction('2026-06-01T12:00:00Z', catchup), NOW)),
        ['2026-06-02T00:00:00Z', '2026-06-03T00:00:00Z'], `catchup=${catchup}`);
    }
  });

  test('endDate: no run whose start is after it', () => {
    const r = restriction('2026-01-01T00:00:00Z', true, '2026-01-03T00:00:00Z');
    assert.deepEqual(follow(cron('0 0 * * *'), r, 10).map((i) => i[0]),
      ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
    assert.equal(cron('0 0 * * *').nextDagRunInfo(null, restriction('2026-01-05T00:00:00Z', true, '2026-01-03T00:00:00Z'), NOW), null);
    assert.equal(cron('0 0 * * *').nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', false, '2026-02-01T00:00:00Z'), NOW), null);
  });

  test('manual runs cover the newest complete interval at the trigger time', () => {
    const tt = cron('0 0 * * *');
    assert.deepEqual(tt.inferManualDataInterval(d('2026-01-25T01:00:00Z')), span('2026-01-24T00:00:00Z', '2026-01-25T00:00:00Z'));
    assert.deepEqual(tt.inferManualDataInterval(d('2026-01-25T00:00:00Z')), span('2026-01-24T00:00:00Z', '2026-01-25T00:00:00Z'));
    assert.deepEqual(cron('0 0 * * *', 'Europe/Berlin').inferManualDataInterval(d('2026-01-25T00:30:00Z')),
      span('2026-01-23T23:00:00Z', '2026-01-24T23:00:00Z'));
  });

  test('summary, periodic and presets', () => {
    assert.equal(cron('0 0 * * *', 'UTC', '@daily').summary, '@daily');
    assert.equal(cron('0 0 * * *').summary, '0 0 * * *');
    assert.equal(cron('0 0 * * *').periodic, true);
    // A preset in the expression itself is expanded.
    assert.deepEqual(interval(cron('@hourly').nextDagRunInfo(null, restriction('2026-01-01T00:10:00Z', true), NOW)),
      ['2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z']);
    const firsts = (expression: string): string[] =>
      cron(expression).runsBetween(d('2026-01-01T00:00:00Z'), d('2026-12-31T23:59:59Z'), restriction(null, true)).map((r) => iso(r.logicalDate));
    assert.deepEqual(firsts('@quarterly'), ['2026-01-01T00:00:00Z', '2026-04-01T00:00:00Z', '2026-07-01T00:00:00Z', '2026-10-01T00:00:00Z']);
    assert.deepEqual(firsts('@yearly'), ['2026-01-01T00:00:00Z']);
    assert.deepEqual(firsts('@monthly').length, 12);
    assert.deepEqual(firsts('@weekly').slice(0, 2), ['2026-01-04T00:00:00Z', '2026-01-11T00:00:00Z']); // Sundays
    assert.deepEqual(firsts('@daily').length, 365);
  });

  test('bad expressions, presets and time zones are refused with the right code', () => {
    const code = (fn: () => unknown, expected: string): void =>
      assert.throws(fn, (e: unknown) => isUpdraftError(e) && e.code === expected && e.message.length > 0);
    code(() => cron('61 * * * *'), 'UPDRAFT_ERR_INVALID_SCHEDULE');
    code(() => cron('0 0 * * * *'), 'UPDRAFT_ERR_INVALID_SCHEDULE');
    code(() => cron('@fortnightly'), 'UPDRAFT_ERR_INVALID_SCHEDULE');
    code(() => cron('0 0 30 2 *'), 'UPDRAFT_ERR_INVALID_SCHEDULE');
    code(() => cron('0 0 * * *', 'Mars/Olympus'), 'UPDRAFT_ERR_INVALID_DAG');
    code(() => delta(0, '0s'), 'UPDRAFT_ERR_INVALID_SCHEDULE');
    code(() => timetableFor({ schedule: { kind: 'hourly' } as unknown as ScheduleSpec, timezone: 'UTC' }), 'UPDRAFT_ERR_INVALID_SCHEDULE');
  });
});

describe('month ends and leap years', () => {
  test("'0 0 31 * *' skips months without a 31st", () => {
    const runs = cron('0 0 31 * *').runsBetween(d('2026-01-01T00:00:00Z'), d('2026-12-31T00:00:00Z'), restriction(null, true));
    assert.deepEqual(runs.map((r) => iso(r.logicalDate).slice(0, 10)),
      ['2026-01-31', '2026-03-31', '2026-05-31', '2026-07-31', '2026-08-31', '2026-10-31', '2026-12-31']);
    assert.deepEqual(interval(runs[0]!), ['2026-01-31T00:00:00Z', '2026-03-31T00:00:00Z']);
  });

  test("'0 0 29 2 *' fires only in leap years", () => {
    const runs = cron('0 0 29 2 *').runsBetween(d('2024-01-01T00:00:00Z'), d('2032-12-31T00:00:00Z'), restriction(null, true));
    assert.deepEqual(runs.map((r) => iso(r.logicalDate).slice(0, 10)), ['2024-02-29', '2028-02-29', '2032-02-29']);
    assert.deepEqual(interval(runs[0]!), ['2024-02-29T00:00:00Z', '2028-02-29T00:00:00Z']);
  });

  test('@monthly intervals follow the calendar (29-day February in 2024, 28 in 2026)', () => {
    const feb = (year: number): number => hours(interval(cron('0 0 1 * *').nextDagRunInfo(null, restriction(`${year}-02-01T00:00:00Z`, true), NOW))!) / 24;
    assert.equal(feb(2024), 29);
    assert.equal(feb(2026), 28);
    assert.equal(feb(2100), 28); // not a leap year
    assert.equal(feb(2000), 29);
  });

  test('the last run of a year rolls over into the next', () => {
    assert.deepEqual(interval(cron('0 0 * * *').nextDagRunInfo(span('2026-12-30T00:00:00Z', '2026-12-31T00:00:00Z'), restriction(null, true), NOW)),
      ['2026-12-31T00:00:00Z', '2027-01-01T00:00:00Z']);
  });
});

describe('cron in a time zone across DST (Airflow rules: a missing time moves forward by the gap, a repeated time is its second occurrence)', () => {
  test("'0 2 * * *' in Europe/Berlin across the spring-forward gap (2026-03-29)", () => {
    const runs = follow(cron('0 2 * * *', 'Europe/Berlin'), restriction('2026-03-27T12:00:00Z', true), 4);
    assert.deepEqual(runs, [
      ['2026-03-28T01:00:00Z', '2026-03-29T01:00:00Z'], // 02:00 CET → 02:00 is missing, so 03:00 CEST
      ['2026-03-29T01:00:00Z', '2026-03-30T00:00:00Z'], // 03:00 CEST → 02:00 CEST: 23 hours
      ['2026-03-30T00:00:00Z', '2026-03-31T00:00:00Z'],
      ['2026-03-31T00:00:00Z', '2026-04-01T00:00:00Z'],
    ]);
    assert.equal(hours(runs[1]!), 23);
  });

  test("'30 2 * * *' in Europe/Berlin: 02:30 on the gap day becomes 03:30 CEST", () => {
    const runs = follow(cron('30 2 * * *', 'Europe/Berlin'), restriction('2026-03-28T00:00:00Z', true), 2);
    assert.deepEqual(runs, [
      ['2026-03-28T01:30:00Z', '2026-03-29T01:30:00Z'],
      ['2026-03-29T01:30:00Z', '2026-03-30T00:30:00Z'],
    ]);
  });

  test("'0 2 * * *' in Europe/Berlin across the autumn repeat (2026-10-25): once, at the second 02:00", () => {
    const runs = follow(cron('0 2 * * *', 'Europe/Berlin'), restriction('2026-10-23T12:00:00Z', true), 3);
    assert.deepEqual(runs, [
      ['2026-10-24T00:00:00Z', '2026-10-25T01:00:00Z'], // 02:00 CEST → 02:00 CET: 25 hours
      ['2026-10-25T01:00:00Z', '2026-10-26T01:00:00Z'],
      ['2026-10-26T01:00:00Z', '2026-10-27T01:00:00Z'],
    ]);
    assert.equal(hours(runs[0]!), 25);
  });

  test("'30 1 * * *' in America/New_York across fall-back (2026-11-01) and spring-forward (2026-03-08)", () => {
    assert.deepEqual(follow(cron('30 1 * * *', 'America/New_York'), restriction('2026-10-30T12:00:00Z', true), 3), [
      ['2026-10-31T05:30:00Z', '2026-11-01T06:30:00Z'], // 01:30 EDT → 01:30 EST (second occurrence)
      ['2026-11-01T06:30:00Z', '2026-11-02T06:30:00Z'],
      ['2026-11-02T06:30:00Z', '2026-11-03T06:30:00Z'],
    ]);
    assert.deepEqual(follow(cron('30 1 * * *', 'America/New_York'), restriction('2026-03-07T00:00:00Z', true), 2), [
      ['2026-03-07T06:30:00Z', '2026-03-08T06:30:00Z'], // 01:30 EST exists on the gap day
      ['2026-03-08T06:30:00Z', '2026-03-09T05:30:00Z'], // → 01:30 EDT: 23 hours
    ]);
  });

  test("'30 2 * * *' in America/New_York on the spring-forward day runs at 03:30 EDT", () => {
    assert.deepEqual(follow(cron('30 2 * * *', 'America/New_York'), restriction('2026-03-07T00:00:00Z', true), 2), [
      ['2026-03-07T07:30:00Z', '2026-03-08T07:30:00Z'],
      ['2026-03-08T07:30:00Z', '2026-03-09T06:30:00Z'],
    ]);
  });

  test('an hourly schedule fires every real hour: 25 runs on the autumn day, 23 on the spring day (Europe/Berlin)', () => {
    const day = (from: string, to: string): NextRunInfo[] =>
      cron('0 * * * *', 'Europe/Berlin').runsBetween(d(from), d(to), restriction(null, true));
    // Local 2026-10-25 00:00 CEST .. 23:00 CET.
    const autumn = day('2026-10-24T22:00:00Z', '2026-10-25T22:00:00Z');
    assert.equal(autumn.length, 25);
    for (const run of autumn) assert.equal(run.dataInterval.end.getTime() - run.dataInterval.start.getTime(), 3_600_000);
    // Local 2026-03-29 00:00 CET .. 23:00 CEST.
    const spring = day('2026-03-28T23:00:00Z', '2026-03-29T21:00:00Z');
    assert.equal(spring.length, 23);
    for (const run of spring) assert.equal(run.dataInterval.end.getTime() - run.dataInterval.start.getTime(), 3_600_000);
  });

  test("'30 * * * *' runs on both 02:30s of the autumn repeat", () => {
    const runs = cron('30 * * * *', 'Europe/Berlin').runsBetween(d('2026-10-24T23:00:00Z'), d('2026-10-25T02:00:00Z'), restriction(null, true));
    assert.deepEqual(runs.map((r) => iso(r.logicalDate)),
      ['2026-10-24T23:30:00Z', '2026-10-25T00:30:00Z', '2026-10-25T01:30:00Z']);
  });

  test("a schedule that does not fire every hour ('0 */2 * * *') resolves the repeated 02:00 once, to CET", () => {
    const runs = cron('0 */2 * * *', 'Europe/Berlin').runsBetween(d('2026-10-24T22:00:00Z'), d('2026-10-25T03:00:00Z'), restriction(null, true));
    assert.deepEqual(runs.map((r) => iso(r.logicalDate)), ['2026-10-24T22:00:00Z', '2026-10-25T01:00:00Z', '2026-10-25T03:00:00Z']);
  });

  test('catchup=false in a time zone: the newest complete local day', () => {
    const info = cron('0 0 * * *', 'America/New_York').nextDagRunInfo(null, restriction(null, false), d('2026-03-05T10:00:00Z'))!;
    // 10:00Z is 05:00 EST on the 5th: the 4th (EST midnight = 05:00Z) is the newest complete day.
    assert.deepEqual(interval(info), ['2026-03-04T05:00:00Z', '2026-03-05T05:00:00Z']);
  });
});

describe('away from DST changes, the points are what croner computes in the zone', () => {
  // croner's own time zone mode is slow (milliseconds a call), so the windows are short.
  const compare = (expression: string, from: Date, to: Date): void => {
    for (const timezone of ['Asia/Tokyo', 'America/New_York', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata']) {
      const ours = cron(expression, timezone).runsBetween(from, to, restriction(null, true)).map((r) => r.logicalDate.getTime());
      const theirs: number[] = [];
      const reference = new Cron(expression, { timezone, mode: '5-part' });
      for (let at = reference.nextRun(new Date(from.getTime() - 1)); at !== null && at <= to; at = reference.nextRun(at)) theirs.push(at.getTime());
      assert.ok(theirs.length > 0);
      assert.deepEqual(ours, theirs, `${expression} in ${timezone}`);
    }
  };

  test('daily, weekday, every-6-hours, monthly and list schedules', () => {
    compare('0 0 * * *', d('2026-01-01T00:00:00Z'), d('2026-01-08T00:00:00Z'));
    compare('15 10 * * 1-5', d('2026-01-01T00:00:00Z'), d('2026-01-12T00:00:00Z'));
    compare('0 */6 * * *', d('2026-01-01T00:00:00Z'), d('2026-01-03T00:00:00Z'));
    compare('0 0 1 * *', d('2025-12-31T00:00:00Z'), d('2026-03-02T00:00:00Z'));
    compare('0 9 1,15 * *', d('2025-12-31T00:00:00Z'), d('2026-02-16T00:00:00Z'));
  });

  test('an hourly schedule over a day', () => {
    compare('30 * * * *', d('2026-01-10T00:00:00Z'), d('2026-01-11T00:00:00Z'));
  });
});

describe('delta timetable', () => {
  const DAY = 86_400_000;

  test('intervals start at startDate and step by the duration', () => {
    const tt = delta(DAY, '1d');
    assert.equal(tt.summary, '1d');
    assert.equal(tt.periodic, true);
    assert.deepEqual(follow(tt, restriction('2026-01-01T03:00:00Z', true), 2), [
      ['2026-01-01T03:00:00Z', '2026-01-02T03:00:00Z'],
      ['2026-01-02T03:00:00Z', '2026-01-03T03:00:00Z'],
    ]);
  });

  test('durations are absolute time, also across DST', () => {
    assert.deepEqual(interval(timetableFor({ schedule: { kind: 'delta', everyMs: DAY, text: '1d' }, timezone: 'Europe/Berlin' })
      .nextDagRunInfo(null, restriction('2026-03-28T23:00:00Z', true), NOW)), ['2026-03-28T23:00:00Z', '2026-03-29T23:00:00Z']);
  });

  test('catchup=false: the newest complete interval on the grid counted from the epoch (Airflow)', () => {
    const tt = delta(DAY, '1d');
    assert.deepEqual(interval(tt.nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', false), NOW)),
      ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
    const onBoundary = tt.nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', false), d('2026-03-05T00:00:00Z'))!;
    assert.deepEqual(interval(onBoundary), ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
    // startDate off the epoch grid: Airflow still skips to the epoch grid.
    assert.deepEqual(interval(tt.nextDagRunInfo(null, restriction('2026-01-01T03:00:00Z', false), NOW)),
      ['2026-03-04T00:00:00Z', '2026-03-05T00:00:00Z']);
    // A newer last run wins.
    assert.deepEqual(interval(tt.nextDagRunInfo(span('2026-03-04T03:00:00Z', '2026-03-05T03:00:00Z'), restriction('2026-01-01T03:00:00Z', false), NOW)),
      ['2026-03-05T03:00:00Z', '2026-03-06T03:00:00Z']);
    // startDate in the future wins.
    assert.deepEqual(interval(tt.nextDagRunInfo(null, restriction('2026-06-01T03:00:00Z', false), NOW)),
      ['2026-06-01T03:00:00Z', '2026-06-02T03:00:00Z']);
  });

  test('endDate and manual intervals', () => {
    const tt = delta(6 * 3_600_000, '6h');
    assert.deepEqual(follow(tt, restriction('2026-01-01T00:00:00Z', true, '2026-01-01T12:00:00Z'), 10).map((i) => i[0]),
      ['2026-01-01T00:00:00Z', '2026-01-01T06:00:00Z', '2026-01-01T12:00:00Z']);
    assert.deepEqual(tt.inferManualDataInterval(d('2026-01-01T10:30:00Z')), span('2026-01-01T04:30:00Z', '2026-01-01T10:30:00Z'));
  });
});

describe('once and none', () => {
  test('@once: one run at startDate, none after', () => {
    const tt = timetableFor({ schedule: { kind: 'once' }, timezone: 'UTC' });
    assert.equal(tt.summary, '@once');
    assert.equal(tt.periodic, false);
    for (const catchup of [true, false]) {
      const info = tt.nextDagRunInfo(null, restriction('2026-01-01T05:00:00Z', catchup), NOW)!;
      assert.deepEqual(interval(info), ['2026-01-01T05:00:00Z', '2026-01-01T05:00:00Z']);
      assert.equal(iso(info.runAfter), '2026-01-01T05:00:00Z');
      assert.equal(iso(info.logicalDate), '2026-01-01T05:00:00Z');
      assert.equal(tt.nextDagRunInfo(info.dataInterval, restriction('2026-01-01T05:00:00Z', catchup), NOW), null);
    }
    assert.equal(tt.nextDagRunInfo(null, restriction(null, true), NOW), null);
    assert.equal(tt.nextDagRunInfo(null, restriction('2026-01-01T05:00:00Z', true, '2026-01-01T00:00:00Z'), NOW), null);
    assert.deepEqual(tt.inferManualDataInterval(NOW), span('2026-03-05T10:00:00Z', '2026-03-05T10:00:00Z'));
    assert.equal(tt.runsBetween(d('2026-01-01T00:00:00Z'), d('2026-01-01T05:00:00Z'), restriction('2026-01-01T05:00:00Z', true)).length, 1);
    assert.equal(tt.runsBetween(d('2026-01-01T05:00:01Z'), d('2026-02-01T00:00:00Z'), restriction('2026-01-01T05:00:00Z', true)).length, 0);
  });

  test('none: never scheduled; a manual run covers its trigger instant', () => {
    const tt = timetableFor({ schedule: { kind: 'none' }, timezone: 'UTC' });
    assert.equal(tt.summary, 'None');
    assert.equal(tt.periodic, false);
    assert.equal(tt.nextDagRunInfo(null, restriction('2026-01-01T00:00:00Z', true), NOW), null);
    assert.deepEqual(tt.runsBetween(d('2026-01-01T00:00:00Z'), d('2026-02-01T00:00:00Z'), restriction(null, true)), []);
    assert.deepEqual(tt.inferManualDataInterval(NOW), span('2026-03-05T10:00:00Z', '2026-03-05T10:00:00Z'));
  });
});

describe('runsBetween', () => {
  const tt = cron('0 0 * * *');
  const dates = (runs: NextRunInfo[]): string[] => runs.map((r) => iso(r.logicalDate).slice(0, 10));

  test('both bounds are inclusive, oldest first', () => {
    assert.deepEqual(dates(tt.runsBetween(d('2026-01-01T00:00:00Z'), d('2026-01-05T00:00:00Z'), restriction(null, true))),
      ['2026-01-01', '2026-01-02', '2026-01-03', '2026-01-04', '2026-01-05']);
    assert.deepEqual(dates(tt.runsBetween(d('2026-01-01T00:00:01Z'), d('2026-01-04T23:59:59Z'), restriction(null, true))),
      ['2026-01-02', '2026-01-03', '2026-01-04']);
    assert.deepEqual(dates(tt.runsBetween(d('2026-01-03T00:00:00Z'), d('2026-01-03T00:00:00Z'), restriction(null, true))), ['2026-01-03']);
    assert.deepEqual(tt.runsBetween(d('2026-01-05T00:00:00Z'), d('2026-01-01T00:00:00Z'), restriction(null, true)), []);
  });

  test("the DAG's startDate and endDate narrow the range; catchup does not matter", () => {
    assert.deepEqual(dates(tt.runsBetween(d('2026-01-01T00:00:00Z'), d('2026-01-10T00:00:00Z'), restriction('2026-01-03T00:00:00Z', false, '2026-01-05T00:00:00Z'))),
      ['2026-01-03', '2026-01-04', '2026-01-05']);
  });

  test('every run carries its interval and is due at the interval end', () => {
    const [first] = tt.runsBetween(d('2026-01-01T00:00:00Z'), d('2026-01-01T00:00:00Z'), restriction(null, true));
    assert.deepEqual(interval(first!), ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z']);
    assert.equal(iso(first!.runAfter), '2026-01-02T00:00:00Z');
  });

  test('delta backfills start at the range start', () => {
    assert.deepEqual(delta(86_400_000, '1d').runsBetween(d('2026-01-01T00:00:00Z'), d('2026-01-03T00:00:00Z'), restriction('2025-12-01T00:00:00Z', true))
      .map((r) => iso(r.logicalDate)), ['2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', '2026-01-03T00:00:00Z']);
  });
});
