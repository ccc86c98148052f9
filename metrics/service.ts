// The one metrics service of a process (DESIGN §4, "One metrics engine"): created once at start (`serve`, each CLI
// command, a test) over one Warehouse and handed to the pages, the API, the CLI and the jobs. Every figure a person
// sees comes through it: one catalogue, one answer cache bounded by bytes, one suppression rule (access/suppression.ts),
// one meaning of "previous period" (metrics/periods.ts shiftRange). Nothing outside metrics/ computes a figure; a
// caller that needs a new one makes this service grow.
import os from 'node:os';
import type { Caller } from '../access/caller.ts';
import { scopeOrgs } from '../access/caller.ts';
import { suppressionThreshold } from '../access/suppression.ts';
import type { Warehouse } from '../warehouse/warehouse.ts';
import { openWarehouse } from '../warehouse/open-warehouse.ts';
import type { Config } from '../config/config.ts';
import type { MetricAnswer, MetricRequest } from './types.ts';
import { catalogue, type MetricDefinition } from './definition.ts';
import { engineSettings, runMetric, type EngineSettings, type RunOptions } from './run-metric.ts';
import { buildScorecard, warmScorecards, type Scorecard, type ScorecardRequest } from './scorecard.ts';
import { AnswerCache } from './answer-cache.ts';
import { DEFAULT_FINAL_AFTER_DAYS, withFinality } from './finality.ts';
import { loadInventory, type OrganizationInventory } from './inventory.ts';
import { forgetRollupHealth, rollupHealth } from './rollups.ts';
import { inBackground, limitReads, ReadLimit } from './read-limit.ts';
import {
  serviceComments, serviceOwner, serviceReference, standardTargets, type Comments, type CommentsRequest, type ServiceReference
} from './read-models.ts';
import {
  createAnnotation, deleteAnnotation, findAnnotation, listAnnotations, updateAnnotation, type Annotation, type AnnotationInput
} from './annotations.ts';
import { beforeAfter, type BeforeAfter, type BeforeAfterRequest } from './before-after.ts';

export interface MetricsService {
  readonly warehouse: Warehouse;
  readonly settings: EngineSettings;
  /** Every indicator the engine knows (computed and declared), by id. */
  definitions(): ReadonlyMap<string, MetricDefinition>;
  /** One metric request for its caller: scope, suppression, comparison and provenance applied; cached by data version.
   *  Every row carries its status, provisional or final (metrics/finality.ts). */
  run(request: MetricRequest, options?: Omit<RunOptions, 'cache' | 'definitions'>): Promise<MetricAnswer>;
  /** The strategy scorecard for a scope and a day. */
  scorecard(request: ScorecardRequest): Promise<Scorecard>;
  /** Prepares what people open first after data arrives (the rollups job calls it): every scope's scorecards, then what
   *  each registered warmer asks (the dashboard's default pages). Returns how many scorecards and pages were prepared. */
  warm(now: Date): Promise<number>;
  /** A preparation to run after the scorecards on every `warm` (the dashboard registers its default pages). One per name.
   *  The signal aborts when the service stops: a warmer leaves between two pages. */
  addWarmer(name: string, warmer: (now: Date, signal: AbortSignal) => Promise<number>): void;
  /** Stops preparing (the process is shutting down): a `warm` under way ends after the read it is waiting for. */
  stop(): void;
  /** The small-count threshold that applies to a caller (0: sees small counts), or to anything published. */
  threshold(caller: Caller, published?: boolean): number;
  /** Organizations and services the caller may see, with event counts (small ones withheld). */
  inventory(caller: Caller): Promise<OrganizationInventory[]>;
  /** The organization owning a service code (for a 403 rather than a 404 on another organization's service). */
  serviceOwner(code: string): Promise<string | null>;
  serviceReference(caller: Caller, code: string): Promise<ServiceReference | null>;
  standardTargets(caller: Caller, org: string): Promise<Map<string, number>>;
  comments(request: CommentsRequest): Promise<Comments>;
  annotations(caller: Caller, q: { org: string; service?: string; from: string; to: string }): Promise<Annotation[]>;
  annotation(caller: Caller, id: string): Promise<Annotation | null>;
  /** Annotation writes: checked through access/annotation-access.ts and audited, whatever their outcome. */
  createAnnotation(caller: Caller, input: AnnotationInput, now?: Date): Promise<Annotation>;
  updateAnnotation(caller: Caller, id: string, input: AnnotationInput, now?: Date): Promise<Annotation>;
  deleteAnnotation(caller: Caller, id: string, now?: Date): Promise<void>;
  /** A service's completion before and after a day: two same-length windows, counts, difference and 95 % interval. */
  beforeAfter(request: BeforeAfterRequest): Promise<BeforeAfter>;
  /** The version of everything a page may show (metrics/rollups.ts): the rendered-page cache's key. Read at most every
   *  few seconds, and at once after a write through this service. */
  pageVersion(): Promise<string>;
  /** The answer cache's size and use, and the read limit's (for the operator and the benchmarks). */
  cacheStats(): ReturnType<AnswerCache['stats']> & { reads: ReturnType<ReadLimit['stats']> };
}

export interface MetricsServiceOptions {
  smallCountThreshold: number;
  digitalChannels: readonly string[];
  /** From the configuration (JALON_ANSWER_CACHE_MB, JALON_METRIC_MAX_ROWS); defaults suit tests and the CLI. */
  metrics?: { answerCacheBytes: number; maxRows: number; concurrency?: number };
  /** Days after a period's end when its figures become final (JALON_FINAL_AFTER_DAYS). */
  finalAfterDays?: number;
}

const DEFAULT_CACHE_BYTES = 64 * 1024 * 1024;
/** Reads at once when the configuration does not say (tests, the CLI): the machine's cores, at least two. */
const DEFAULT_CONCURRENCY = Math.max(2, os.availableParallelism());

/** Opens the configured warehouse and the service over it (the development server, which has no `serve` to do it). */
export async function openMetricsService(config: Config, holder: string): Promise<MetricsService> {
  return createMetricsService(await openWarehouse(config.warehouse, { holder }), config);
}

export function createMetricsService(given: Warehouse, options: MetricsServiceOptions): MetricsService {
  const settings = engineSettings(options);
  // Every computation reads through the limit; `warehouse` (the service's public one) is the same warehouse unlimited.
  const reads = new ReadLimit(options.metrics?.concurrency ?? DEFAULT_CONCURRENCY);
  const warehouse = limitReads(given, reads);
  /** A write through the service shows at once: the next request reads the data version again. */
  const written = <T>(result: Promise<T>): Promise<T> => result.then((r) => {
    forgetRollupHealth(warehouse);
    return r;
  });
  const finality = { finalAfterDays: options.finalAfterDays ?? DEFAULT_FINAL_AFTER_DAYS };
  const cache = new AnswerCache(options.metrics?.answerCacheBytes ?? DEFAULT_CACHE_BYTES);
  /** Reads that are not metric answers share the cache too, keyed by the data version like every answer. */
  const cachedRead = async <T>(parts: unknown[], read: () => Promise<T>): Promise<T> => {
    const { version } = await rollupHealth(warehouse);
    return cache.get(JSON.stringify([...parts, version]), read);
  };
  const warmers = new Map<string, (now: Date, signal: AbortSignal) => Promise<number>>();
  const stopping = new AbortController();
  const threshold = (caller: Caller, published = false) => suppressionThreshold(caller, settings.smallCountThreshold, published);
  return {
    warehouse: given,
    settings,
    definitions: () => catalogue().definitions,
    run: async (request, runOptions = {}) => {
      const answer = await runMetric(warehouse, settings, request, { ...runOptions, cache });
      // Whether a recently closed period's sources are complete: the same request narrowed to that period. A request for
      // figures only (a chart's trend) does not pay for it: such periods stay provisional until the delay has passed.
      const provenanceOf = async (range: { from: string; to: string }) =>
        runOptions.provenance === false ? null : runMetric(warehouse, settings, { ...request, ...range, by: [], compare: 'none' }, { ...runOptions, cache, provenance: true }).then(
          (a) => a.provenance,
          () => null // a narrower request the engine refuses: sources not shown complete, the figure stays provisional
        );
      return withFinality(answer, request, finality, provenanceOf);
    },
    scorecard: (request) => buildScorecard(warehouse, settings, request, cache),
    // Preparing is background work: its reads yield to people's (metrics/read-limit.ts).
    warm: (now) => inBackground(async () => {
      let prepared = await warmScorecards(warehouse, settings, now, cache, stopping.signal);
      for (const warmer of warmers.values()) {
        if (stopping.signal.aborted) break;
        prepared += await warmer(now, stopping.signal);
      }
      return prepared;
    }),
    addWarmer: (name, warmer) => void warmers.set(name, warmer),
    stop: () => stopping.abort(),
    threshold,
    inventory: (caller) => {
      const orgs = scopeOrgs(caller, null);
      const t = threshold(caller);
      return cachedRead(['inventory', orgs, t], () => loadInventory(warehouse, { orgs, threshold: t }));
    },
    serviceOwner: (code) => cachedRead(['service-owner', code], () => serviceOwner(warehouse, code)),
    serviceReference: (caller, code) => cachedRead(['service-reference', scopeOrgs(caller, null), code], () => serviceReference(warehouse, caller, code)),
    standardTargets: (caller, org) => {
      scopeOrgs(caller, [org]);
      return cachedRead(['standard-targets', org], () => standardTargets(warehouse, org));
    },
    comments: (request) => serviceComments(warehouse, request, threshold(request.caller)),
    annotations: (caller, q) => listAnnotations(warehouse, caller, q),
    annotation: (caller, id) => findAnnotation(warehouse, caller, id),
    createAnnotation: (caller, input, now) => written(createAnnotation(given, caller, input, now)),
    updateAnnotation: (caller, id, input, now) => written(updateAnnotation(given, caller, id, input, now)),
    deleteAnnotation: (caller, id, now) => written(deleteAnnotation(given, caller, id, now)),
    beforeAfter: (request) => beforeAfter(warehouse, settings, request, { cache }),
    pageVersion: async () => (await rollupHealth(warehouse)).pageVersion,
    cacheStats: () => ({ ...cache.stats(), reads: reads.stats() })
  };
}
