import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { MetricDef, Row, Target, Unit, WorkloadResult } from './harness.js';

// statistics

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Nearest-rank percentile. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function summarize(values: number[]): Summary {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), n: values.length };
}

// formatting

function fixed(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function formatValue(value: number, unit: Unit): string {
  if (!Number.isFinite(value)) return 'n/a';
  const abs = Math.abs(value);
  switch (unit) {
    case 'ms':
      return `${fixed(value, abs < 10 ? 2 : abs < 100 ? 1 : 0)} ms`;
    case 's':
      return `${fixed(value, 2)} s`;
    case 'tasks/s':
      return `${fixed(value, abs < 10 ? 1 : 0)} tasks/s`;
    case 'rows/s':
      return `${fixed(value, 0)} rows/s`;
    case 'queries/s':
      return `${fixed(value, 2)} queries/s`;
    case '% CPU':
      return `${fixed(value, abs < 1 ? 2 : 1)} % CPU`;
    case 'MB':
      return `${fixed(value, abs < 10 ? 1 : 0)} MB`;
    case 'statements':
      return `${fixed(value, 1)}`;
    default: {
      const exhaustive: never = unit;
      return String(exhaustive);
    }
  }
}

export function formatRatio(ratio: number): string {
  if (!Number.isFinite(ratio)) return 'n/a';
  // Two significant digits below 0.1, so a ratio of 0.0044 does not print as 0.00.
  if (ratio > 0 && ratio < 0.1) return `${Number(ratio.toPrecision(2))}×`;
  return `${fixed(ratio, ratio >= 100 ? 0 : ratio >= 10 ? 1 : 2)}×`;
}

function meets(value: number, target: Target): boolean {
  return target.op === '<=' ? value <= target.bound : value >= target.bound;
}

function describeTarget(target: Target, unit: Unit | 'ratio'): string {
  const bound = unit === 'ratio' ? formatRatio(target.bound) : formatValue(target.bound, unit);
  return `${target.op === '<=' ? '≤' : '≥'} ${bound}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** The ratio Updraft/peer of the medians (for every unit: Updraft's figure over the peer's). */
export function ratioFor(row: Row, rows: Row[]): { ratio: number; against: Row } | null {
  if (row.contender.pairWith === undefined || row.metric.informational === true) return null;
  const against = rows.find((r) => r.contender.id === row.contender.pairWith && r.metric.key === row.metric.key);
  if (against === undefined) return null;
  return { ratio: median(against.samples) / median(row.samples), against };
}

export const TABLE_HEADER = '| system | configuration | metric | median | min | max | Updraft/peer | target |';

function ratioNote(metric: MetricDef): string {
  return metric.better === 'lower' ? 'above 1× = Updraft slower' : 'below 1× = Updraft slower';
}

export function renderWorkload(result: WorkloadResult): string {
  const lines = [`### ${result.name} — ${result.title}`, ''];
  if (result.skipped !== undefined) {
    lines.push(`skipped: ${result.skipped}`, '');
    return lines.join('\n');
  }
  lines.push(TABLE_HEADER, '|---|---|---|---:|---:|---:|---:|---|');
  for (const row of result.rows) {
    const s = summarize(row.samples);
    const unit = row.metric.unit;
    const ratio = ratioFor(row, result.rows);
    let ratioCell = '—';
    let targetCell = '';
    if (ratio !== null) {
      ratioCell = formatRatio(ratio.ratio);
      if (row.metric.ratioTarget !== undefined) {
        targetCell = `${describeTarget(row.metric.ratioTarget, 'ratio')}: ${meets(ratio.ratio, row.metric.ratioTarget) ? 'met' : '**missed**'}`;
      }
    }
    const absolute = row.metric.updraftTargets?.[row.contender.id];
    if (absolute !== undefined) targetCell = `${describeTarget(absolute, unit)}: ${meets(s.median, absolute) ? 'met' : '**missed**'}`;
    lines.push(`| ${escapeCell(row.contender.system)} | ${escapeCell(row.contender.config)} | ${row.metric.label} | ${formatValue(s.median, unit)} | ${formatValue(s.min, unit)} | ${formatValue(s.max, unit)} | ${ratioCell} | ${targetCell} |`);
  }
  lines.push('');
  const reps = Math.max(0, ...result.rows.map((r) => r.samples.length));
  const ratioMetrics = result.metrics.filter((m) => m.informational !== true);
  const systems = new Set(result.rows.map((r) => r.contender.id)).size;
  lines.push(`- ${result.repetitions ?? `${reps} measured repetition${reps === 1 ? '' : 's'}${systems > 1 ? ' per system, run alternately,' : ''} after one warm-up; median, min and max over the repetitions.`}`);
  if (result.rows.some((r) => r.contender.pairWith !== undefined) && ratioMetrics.length > 0) {
    const pairs = [...new Set(result.rows.filter((r) => r.contender.pairWith !== undefined)
      .map((r) => `${result.rows.find((u) => u.contender.id === r.contender.pairWith)?.contender.system ?? r.contender.pairWith} ÷ ${r.contender.system}`))];
    lines.push(`- Updraft/peer = Updraft's median over the peer's, per pair: ${pairs.join('; ')} (${[...new Set(ratioMetrics.map(ratioNote))].join('; ')}).`);
  }
  for (const note of result.notes) lines.push(`- ${note}`);
  lines.push(`- Took ${(result.durationMs / 1000).toFixed(0)} s.`, '');
  return lines.join('\n');
}

export interface Environment {
  date: string;
  machine: string[];
  durability: string[];
  load: string;
}

export function renderEnvironment(env: Environment, mode: string): string {
  return [
    '## Environment of the last run', '',
    `- Date: ${env.date} (${mode})`,
    ...env.machine.map((line) => `- ${line}`),
    `- Load average (1/5/15 min) ${env.load}`,
    '- Durability as configured while measuring:',
    ...env.durability.map((line) => `  - ${line}`),
    '',
  ].join('\n');
}

// docs/benchmarks.md: each workload (and the environment) sits between its own markers, so a run
// with --only rewrites the sections it measured and keeps the others.

const begin = (key: string): string => `<!-- bench:${key}:begin -->`;
const end = (key: string): string => `<!-- bench:${key}:end -->`;

export function replaceSection(document: string, key: string, content: string): string {
  const block = `${begin(key)}\n${content.trimEnd()}\n${end(key)}`;
  const from = document.indexOf(begin(key));
  const to = document.indexOf(end(key));
  if (from >= 0 && to > from) return document.slice(0, from) + block + document.slice(to + end(key).length);
  return `${document.trimEnd()}\n\n${block}\n`;
}

export function writeBenchmarksDoc(path: string, sections: Array<{ key: string; content: string }>): void {
  let document = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\nWritten by `npm run bench -- --write`.\n';
  for (const section of sections) document = replaceSection(document, section.key, section.content);
  writeFileSync(path, document.endsWith('\n') ? document : `${document}\n`);
}
