// How a compiled query's FINAL reads run: whether FINAL may skip merging rows across partitions
// (`do_not_merge_across_partitions_select_final`), which makes the raw path 2–3 times cheaper when a table holds many
// parts. Pure: the query's text in, engine settings out.
//
// FINAL folds the rows that share a sorting key. Skipping merges across partitions gives the same rows exactly when
// rows sharing a sorting key always share a partition: the table has no partition key, or its partition key is
// `toYear(x)` of an element `x` of its sorting key. The tables below hold that (tests/integration/metrics-raw-final-
// differential.test.ts reads their keys from the engine and checks it). survey_responses and cases do not: they are
// partitioned by the UTC year of a time whose Toronto day is in the key, so two versions of a row on a Toronto day
// straddling New Year's Eve in UTC sit in two partitions; a query reading them keeps the full FINAL.

/** Tables whose FINAL may skip merging across partitions without changing a row. */
export const PARTITION_EXACT_FINAL: ReadonlySet<string> = new Set([
  'service_events', // sql/schema/140: partitioned by the Toronto year of the sorting key's Toronto day
  'availability_probes',
  'rollup_journeys_daily',
  'rollup_cases_daily',
  'rollup_completions_daily',
  'rollup_completions_coarse',
  'rollup_completions_fiscal',
  'rollup_presence_daily',
  'organizations',
  'services',
  'channel_volumes',
  'standard_results',
  'declared_indicators',
  'costs',
  'value_parameters',
  'value_restatements'
]);

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const FINAL_READ = new RegExp(`\\b(?:FROM|JOIN)\\s+(${NAME})(?:\\s+(?:AS\\s+)?(?!FINAL\\b)${NAME})?\\s+FINAL\\b`, 'gi');

/** The tables a query reads with FINAL; null when a FINAL is not in a form this reader knows (then nothing is assumed). */
export function finalTables(sql: string): string[] | null {
  const tables = [...sql.matchAll(FINAL_READ)].map((m) => m[1]);
  const finals = sql.match(/\bFINAL\b/gi)?.length ?? 0;
  return tables.length === finals ? tables : null;
}

/** Engine settings for a query: FINAL without merges across partitions when every table it reads with FINAL allows it. */
export function finalSettings(sql: string): Record<string, number> {
  const tables = finalTables(sql);
  if (!tables || tables.length === 0 || !tables.every((t) => PARTITION_EXACT_FINAL.has(t))) return {};
  return { do_not_merge_across_partitions_select_final: 1 };
}
