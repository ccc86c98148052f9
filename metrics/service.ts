// The one metrics service of a process (DESIGN §4, "One metrics engine"): created once at start (`serve`, each CLI
// command, a test) over one Warehouse and handed to the pages, the API, the CLI and the jobs. Every figure a person
// sees comes through it: one catalogue, one answer cache, one suppression rule, one meaning of "previous period".
// Nothing outside metrics/ computes a figure; a caller that needs a new one makes this service grow.
import type { Warehouse } from '../warehouse/warehouse.ts';
import type { MetricAnswer, MetricRequest } from './types.ts';
import { catalogue, type MetricDefinition } from './definition.ts';
import { engineSettings, runMetric, type EngineSettings, type RunOptions } from './run-metric.ts';
import { buildScorecard, warmScorecards, type Scorecard, type ScorecardRequest } from './scorecard.ts';
import { DEFAULT_FINAL_AFTER_DAYS, withFinality } from './finality.ts';

export interface MetricsService {
  readonly warehouse: Warehouse;
  readonly settings: EngineSettings;
  /** Every indicator the engine knows (computed and declared), by id. */
  definitions(): ReadonlyMap<string, MetricDefinition>;
  /** One metric request for its caller: scope, suppression, comparison and provenance applied; cached by data version.
   *  Every row carries its status, provisional or final (metrics/finality.ts). */
  run(request: MetricRequest, options?: Omit<RunOptions, 'cache'>): Promise<MetricAnswer>;
  /** The strategy scorecard for a scope and a day. */
  scorecard(request: ScorecardRequest): Promise<Scorecard>;
  /** Prepares what people open first after data arrives (the rollups job calls it). Returns how many were built. */
  warm(now: Date): Promise<number>;
}

export interface MetricsServiceOptions {
  smallCountThreshold: number;
  digitalChannels: readonly string[];
  /** Days after a period's end when its figures become final (config JALON_FINAL_AFTER_DAYS). */
  finalAfterDays?: number;
}

export function createMetricsService(warehouse: Warehouse, options: MetricsServiceOptions): MetricsService {
  const settings = engineSettings(options);
  const finality = { finalAfterDays: options.finalAfterDays ?? DEFAULT_FINAL_AFTER_DAYS };
  return {
    warehouse,
    settings,
    definitions: () => catalogue().definitions,
    run: async (request, runOptions = {}) => {
      const answer = await runMetric(warehouse, settings, request, { ...runOptions, cache: true });
      // Whether a recently closed period's sources are complete: the same request narrowed to that period.
      const provenanceOf = (range: { from: string; to: string }) =>
        runMetric(warehouse, settings, { ...request, ...range, by: [], compare: 'none' }, { ...runOptions, cache: true, provenance: true }).then(
          (a) => a.provenance,
          () => null // a narrower request the engine refuses: sources not shown complete, the figure stays provisional
        );
      return withFinality(answer, request, finality, provenanceOf);
    },
    scorecard: (request) => buildScorecard(warehouse, settings, request),
    warm: (now) => warmScorecards(warehouse, settings, now)
  };
}
