// Strategy files (metrics/strategies/<id>.json): characteristics in the strategy's own words, the indicators measuring
// each (computed metrics or declared indicator codes) and their demo targets with baselines. A later strategy loads
// the same way. Validation reports every problem at once.
import fs from 'node:fs';
import path from 'node:path';
import type { Dimension, Localized } from './types.ts';
import { isDeclaredIndicator, projectDir, type MetricDefinition } from './definition.ts';

export const STRATEGIES_DIR = projectDir('metrics', 'strategies');

export interface TargetSpec {
  /** Absolute target, or `change`: relative to the baseline (−0.25 = a quarter lower). */
  value?: number;
  change?: number;
  date: string;
}

export interface BaselineSpec {
  /** Given value; when absent the baseline is measured over [from, to) for each scope. */
  value?: number;
  period: string;
  from: string;
  to: string;
  date: string;
}

/** One indicator of a characteristic: a catalogue metric (sql/metrics), computed from events or declared by
 *  organizations — titles, unit, direction and aggregation are the definition's, never repeated here. */
export interface IndicatorSpec {
  metric: string;
  /** Says how the figure is obtained, shown on the scorecard; must agree with the definition's sources. */
  source: 'computed' | 'declared';
  filters?: Partial<Record<Dimension, string[]>>;
  baseline: BaselineSpec;
  target: TargetSpec;
}

export interface Strategy {
  id: string;
  title: Localized;
  version: string;
  starts_on: string;
  ends_on: string;
  note?: Localized;
  characteristics: { number: number; title: Localized; text: Localized; indicators: IndicatorSpec[] }[];
  overrides?: { metric: string; scope: string; target: TargetSpec }[];
}

/** Whether `err` is a StrategyError — by name (the built app and the serving process each load this module). */
export function isStrategyError(err: unknown): err is StrategyError {
  return err instanceof Error && err.name === 'StrategyError' && 'problems' in err;
}

export class StrategyError extends Error {
  readonly problems: readonly string[];
  constructor(file: string, problems: readonly string[]) {
    super(`${file}:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StrategyError';
    this.problems = problems;
  }
}

/** Checks a parsed strategy against the metric catalogue and the declared indicator codes. */
export function checkStrategy(s: Strategy, definitions: ReadonlyMap<string, MetricDefinition>): string[] {
  const problems: string[] = [];
  if (!s.id || !/^[a-z0-9-]+$/.test(s.id)) problems.push('id: lettres minuscules, chiffres, - / lowercase letters, digits, -');
  const numbers = s.characteristics.map((c) => c.number);
  if (new Set(numbers).size !== numbers.length) problems.push('caractéristique répétée / repeated characteristic');
  for (const c of s.characteristics) {
    if (!c.title?.fr || !c.title?.en) problems.push(`caractéristique ${c.number}: titre fr/en / title fr/en`);
    if (!c.indicators?.length) problems.push(`caractéristique ${c.number}: au moins un indicateur / at least one indicator`);
    for (const i of c.indicators ?? []) {
      const where = `caractéristique ${c.number}, ${i.metric}`;
      const def = definitions.get(i.metric);
      if (!def) problems.push(`${where}: métrique absente du catalogue (sql/metrics) / metric not in the catalogue (sql/metrics)`);
      if (i.source !== 'computed' && i.source !== 'declared') problems.push(`${where}: source computed|declared`);
      else if (def && (i.source === 'declared') !== isDeclaredIndicator(def)) problems.push(`${where}: source « ${i.source} » contredit la définition / source "${i.source}" contradicts the definition's sources (${def.sources.join(', ')})`);
      for (const d of Object.keys(i.filters ?? {})) if (def && !def.dimensions.includes(d as Dimension)) problems.push(`${where}: filtre ${d} non disponible / filter ${d} not available`);
      if (i.target.value === undefined && i.target.change === undefined) problems.push(`${where}: cible sans value ni change / target needs value or change`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(i.target.date ?? '')) problems.push(`${where}: target.date AAAA-MM-JJ`);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(i.baseline.from ?? '') || !/^\d{4}-\d{2}-\d{2}$/.test(i.baseline.to ?? '')) problems.push(`${where}: baseline.from/to AAAA-MM-JJ`);
    }
  }
  return problems;
}

const loaded = new Map<string, { mtimeMs: number; definitions: ReadonlyMap<string, MetricDefinition>; strategy: Strategy }>();

/** Reads and checks a strategy file; a file unchanged since it was last read (and the same catalogue) is not parsed again. */
export function loadStrategy(id: string, definitions: ReadonlyMap<string, MetricDefinition>, dir: string = STRATEGIES_DIR): Strategy {
  const file = path.join(dir, `${id}.json`);
  if (!/^[a-z0-9-]+$/.test(id) || !fs.existsSync(file)) throw new StrategyError(file, [`stratégie inconnue / unknown strategy "${id}"`]);
  const { mtimeMs } = fs.statSync(file);
  const hit = loaded.get(file);
  if (hit && hit.mtimeMs === mtimeMs && hit.definitions === definitions) return hit.strategy;
  const s = JSON.parse(fs.readFileSync(file, 'utf8')) as Strategy;
  const problems = checkStrategy(s, definitions);
  if (problems.length) throw new StrategyError(file, problems);
  loaded.set(file, { mtimeMs, definitions, strategy: s });
  return s;
}

/** Records a strategy's characteristics and targets in the warehouse (strategies, strategy_characteristics, strategy_targets). */
export async function storeStrategy(wh: import('../warehouse/warehouse.ts').Warehouse, s: Strategy): Promise<{ characteristics: number; targets: number }> {
  await wh.insert('strategies', [{ id: s.id, title_fr: s.title.fr, title_en: s.title.en, starts_on: s.starts_on, ends_on: s.ends_on, version: s.version }]);
  await wh.insert('strategy_characteristics', s.characteristics.map((c) => ({ strategy: s.id, number: c.number, title_fr: c.title.fr, title_en: c.title.en })));
  const targets = s.characteristics.flatMap((c) =>
    c.indicators.map((i) => ({
      strategy: s.id, characteristic: c.number, metric: i.metric, scope: '', source: i.source,
      // Measured baselines and relative targets are stored as nan: the scorecard works them out per scope.
      baseline_value: i.baseline.value ?? 'nan', baseline_date: i.baseline.date,
      target_value: i.target.value ?? 'nan', target_date: i.target.date
    }))
  );
  const overrides = (s.overrides ?? []).map((o) => {
    const c = s.characteristics.find((x) => x.indicators.some((i) => i.metric === o.metric));
    const i = c?.indicators.find((x) => x.metric === o.metric);
    return { strategy: s.id, characteristic: c?.number ?? 0, metric: o.metric, scope: o.scope, source: i?.source ?? 'computed', baseline_value: i?.baseline.value ?? 'nan', baseline_date: i?.baseline.date ?? s.starts_on, target_value: o.target.value ?? 'nan', target_date: o.target.date };
  });
  await wh.insert('strategy_targets', [...targets, ...overrides]);
  return { characteristics: s.characteristics.length, targets: targets.length + overrides.length };
}
