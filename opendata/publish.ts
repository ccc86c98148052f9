// One open-data publication (`jalon opendata publish`, the `opendata` job): for every indicator of the metrics service's
// catalogue, its figures by fiscal year and by organization and fiscal year as the `public` role sees them, written as
// CSV, JSON and (by organization) Parquet into a dated snapshot folder, with revisions.csv and catalog.jsonld; then
// `latest/` is replaced by a copy. Earlier snapshots are never touched. Every figure comes from `metrics.run`.
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { PUBLIC_CALLER } from '../access/caller.ts';
import type { OpenDataConfig } from '../config/config.ts';
import type { MetricsService } from '../metrics/service.ts';
import type { MetricDefinition } from '../metrics/definition.ts';
import type { Grain, MetricAnswer } from '../metrics/types.ts';
import { addDays, isoDay, parseDay, periodOf, periodRange, torontoDay } from '../metrics/periods.ts';
import { isMetricError } from '../metrics/run-metric.ts';
import { listRevisions, recordRevisions, type PublishedFigure } from '../metrics/revisions.ts';
import { FILES_PATH, LATEST } from './layout.ts';
import { buildCatalog, type CatalogDataset, type WrittenFile } from './dcat.ts';
import { tableColumns, tableRow, toCsv, toParquet, type PublishedTable } from './tables.ts';


export interface PublishOptions {
  metrics: MetricsService;
  config: OpenDataConfig;
  /** The site's public address (JALON_PUBLIC_URL): the catalogue's download URLs start with it. */
  publicUrl: string;
  /** Output folder; the configured one by default. */
  dir?: string;
  now: Date;
  log?: (line: string) => void;
}

export interface PublishSummary {
  snapshot: string;
  datasets: number;
  files: number;
  /** The snapshot's folder. */
  dir: string;
  revisions: number;
  /** Tables the engine refused (e.g. a grain finer than declared data), with its reason. */
  skipped: string[];
}

const PERIOD_SLUG: Partial<Record<Grain, string>> = { fiscal_year: 'fiscal-year', year: 'year' };

/** The coarsest published grain the definition accepts: fiscal year, else calendar year, else the whole period. */
function grainOf(def: MetricDefinition): Grain {
  if (def.grains.includes('fiscal_year')) return 'fiscal_year';
  if (def.grains.includes('year')) return 'year';
  return 'all';
}

const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

/** Writes the snapshot of `now` and refreshes `latest/`. */
export async function publishOpenData(options: PublishOptions): Promise<PublishSummary> {
  const { metrics, config, now } = options;
  const log = options.log ?? (() => undefined);
  const root = path.resolve(options.dir ?? config.dir);
  const snapshot = torontoDay(now);
  // Figures up to yesterday (the request's end is exclusive), from the start of the fiscal year holding `config.from`.
  const from = periodRange('fiscal_year', periodOf('fiscal_year', config.from))!.from;
  const to = snapshot;
  const threshold = metrics.threshold(PUBLIC_CALLER, true);

  const tables: PublishedTable[] = [];
  const skipped: string[] = [];
  const definitions = [...metrics.definitions().values()].sort((a, b) => a.id.localeCompare(b.id));
  for (const def of definitions) {
    const grain = grainOf(def);
    const slug = PERIOD_SLUG[grain] ?? 'period';
    const asks: { by: PublishedTable['by']; name: string; dims: ('org')[] }[] = [
      { by: 'fiscal_year', name: `${def.id}-by-${slug}`, dims: [] },
      ...(def.dimensions.includes('org') ? [{ by: 'org_fiscal_year' as const, name: `${def.id}-by-org-and-${slug}`, dims: ['org' as const] }] : [])
    ];
    for (const ask of asks) {
      let answer: MetricAnswer;
      try {
        answer = await metrics.run({ metric: def.id, from, to, grain, by: ask.dims, filters: {}, compare: 'none', caller: PUBLIC_CALLER, now }, { public: true });
      } catch (err) {
        if (!isMetricError(err)) throw err;
        skipped.push(`${ask.name}: ${err.message}`);
        log(`données ouvertes / open data: ${ask.name} non publié / not published: ${err.message}`);
        continue;
      }
      const columns = tableColumns(def, grain, ask.by === 'org_fiscal_year', answer.rows);
      tables.push({ name: ask.name, indicator: def.id, by: ask.by, request: { from, to, grain, by: ask.dims }, columns, rows: answer.rows.map((r) => tableRow(def, r, columns)), answer });
    }
  }

  // Revisions first, so this snapshot's revisions.csv includes those its own figures reveal.
  const figures: PublishedFigure[] = tables.flatMap((t) => {
    const def = metrics.definitions().get(t.indicator)!;
    return t.answer.rows.map((r) => ({
      indicator: t.indicator,
      scope: `${r.dimensions.org ?? 'all'}${r.step ? `#step${r.step.index}` : ''}`,
      period: r.period,
      value: r.value,
      status: r.status ?? 'provisional',
      formulaVersion: def.formulaVersion,
      sources: def.sources,
      modelled: def.modelled,
      range: periodRange(t.request.grain, r.period) ?? { from, to }
    }));
  });
  const revised = await recordRevisions(metrics.warehouse, figures, snapshot, now);
  const revisions = await listRevisions(metrics.warehouse);

  fs.mkdirSync(root, { recursive: true });
  const work = path.join(root, `.tmp-${snapshot}-${randomUUID().slice(0, 8)}`);
  fs.mkdirSync(work);
  try {
    const written = new Map<string, WrittenFile[]>();
    const write = (indicator: string, file: Omit<WrittenFile, 'bytes' | 'sha256'>, data: Buffer | string) => {
      fs.writeFileSync(path.join(work, file.name), data);
      const entry: WrittenFile = { ...file, bytes: Buffer.byteLength(data), sha256: sha256(data) };
      written.set(indicator, [...(written.get(indicator) ?? []), entry]);
    };
    for (const t of tables) {
      const def = metrics.definitions().get(t.indicator)!;
      const what = t.by === 'fiscal_year'
        ? { fr: `${def.title.fr}, par ${t.request.grain === 'fiscal_year' ? 'exercice financier' : 'période'}`, en: `${def.title.en}, by ${t.request.grain === 'fiscal_year' ? 'fiscal year' : 'period'}` }
        : { fr: `${def.title.fr}, par organisation et ${t.request.grain === 'fiscal_year' ? 'exercice financier' : 'période'}`, en: `${def.title.en}, by organization and ${t.request.grain === 'fiscal_year' ? 'fiscal year' : 'period'}` };
      write(t.indicator, { name: `${t.name}.csv`, format: 'CSV', title: what }, toCsv(t.columns, t.rows));
      const json = {
        indicator: def.id,
        title: def.title,
        description: def.description,
        unit: def.unit,
        snapshot,
        request: t.request,
        provenance: { formula_version: def.formulaVersion, effective_from: def.effectiveFrom, sources: def.sources, modelled: def.modelled },
        suppression: { threshold, applies: def.suppressSmallCounts },
        licence: config.licence,
        columns: t.columns,
        rows: t.rows
      };
      write(t.indicator, { name: `${t.name}.json`, format: 'JSON', title: what }, JSON.stringify(json, null, 1) + '\n');
      // Parquet for the larger tables: those by organization (a row per organization and year); the national ones stay
      // a handful of rows that CSV and JSON serve well.
      if (t.by === 'org_fiscal_year') write(t.indicator, { name: `${t.name}.parquet`, format: 'Parquet', title: what }, toParquet(t.columns, t.rows));
    }
    const revisionColumns = ['indicator', 'scope', 'period', 'old_value', 'new_value', 'reason', 'revised_at', 'snapshot'].map((name) => ({ name }));
    write('revisions', { name: 'revisions.csv', format: 'CSV', title: { fr: 'Révisions des valeurs définitives', en: 'Revisions of final figures' } }, toCsv(revisionColumns, revisions.map((r) => ({ ...r }))));

    const lastDay = isoDay(addDays(parseDay(to), -1));
    const datasets: CatalogDataset[] = definitions
      .filter((d) => written.has(d.id))
      .map((d) => ({
        id: d.id,
        title: d.title,
        description: d.description,
        keywords: {
          fr: ['transformation numérique', 'services publics', 'indicateur', ...d.characteristics.map((c) => `caractéristique ${c}`)],
          en: ['digital transformation', 'public services', 'indicator', ...d.characteristics.map((c) => `characteristic ${c}`)]
        },
        temporal: { start: from, end: lastDay },
        files: written.get(d.id)!
      }));
    datasets.push({
      id: 'revisions',
      title: { fr: 'Révisions des valeurs définitives', en: 'Revisions of final figures' },
      description: {
        fr: 'Chaque changement d’une valeur déjà définitive : indicateur, portée, période, ancienne et nouvelle valeur, motif, date.',
        en: 'Every change to a figure already final: indicator, scope, period, old and new value, reason, date.'
      },
      keywords: { fr: ['révisions', 'transformation numérique'], en: ['revisions', 'digital transformation'] },
      temporal: { start: from, end: lastDay },
      files: written.get('revisions')!
    });
    const base = `${options.publicUrl.replace(/\/+$/, '')}${FILES_PATH}`;
    const catalogOf = (folder: string) => JSON.stringify(buildCatalog({ snapshot, baseUrl: `${base}${folder}/`, config, datasets }), null, 1) + '\n';
    fs.writeFileSync(path.join(work, 'catalog.jsonld'), catalogOf(snapshot));
    const fileCount = fs.readdirSync(work).length;

    // The dated folder: replaced only when the same day is published again. Then `latest/`, swapped in whole.
    const dated = path.join(root, snapshot);
    fs.rmSync(dated, { recursive: true, force: true });
    fs.renameSync(work, dated);
    const nextLatest = path.join(root, `.tmp-latest-${randomUUID().slice(0, 8)}`);
    fs.cpSync(dated, nextLatest, { recursive: true });
    fs.writeFileSync(path.join(nextLatest, 'catalog.jsonld'), catalogOf(LATEST));
    const latest = path.join(root, LATEST);
    const old = path.join(root, `.old-latest-${randomUUID().slice(0, 8)}`);
    if (fs.existsSync(latest)) fs.renameSync(latest, old);
    fs.renameSync(nextLatest, latest);
    fs.rmSync(old, { recursive: true, force: true });
    log(`données ouvertes / open data: ${snapshot}, ${datasets.length} jeux / data sets, ${fileCount} fichiers / files, ${revised.length} révisions / revisions`);
    return { snapshot, datasets: datasets.length, files: fileCount, dir: dated, revisions: revised.length, skipped };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
