// The curated views analysts may query, in their own database (`<database>_analyst`), and the code that keeps
// them in place. They are created from code rather than a migration because their database's name follows the
// configured one. Each view reads one table of Jalon's database and names the column that carries the organization,
// so the sandbox can restrict every view a query touches (access/sql-sandbox.ts).
// Each view ends with a LIMIT no table reaches: the engine never moves a filter across a LIMIT, so an analyst's
// condition is evaluated only on rows the organization filter (applied to the source table, below the LIMIT) kept.
// Without it the engine may run the analyst's condition first, and one that throws (toUInt64(service)) would quote
// another organization's value in its message.
import type { Warehouse } from '../warehouse/warehouse.ts';
import { qualifiedName, quoteIdentifier } from '../warehouse/identifiers.ts';

export interface Localized {
  fr: string;
  en: string;
}

export interface CuratedColumn {
  name: string;
  /** Expression over the source table; the column of the same name when absent. Our own constant, never input. */
  expr?: string;
  title: Localized;
}

export interface CuratedView {
  name: string;
  title: Localized;
  /** Table of Jalon's database the view reads. */
  source: string;
  /** Column of the source (and of the view) holding the organization code. */
  orgColumn: string;
  /** Read the source with FINAL (small reference tables whose rows are replaced). */
  final?: boolean;
  columns: readonly CuratedColumn[];
  /** A query to start from (shown in the explorer's schema browser). */
  example: string;
}

const c = (name: string, fr: string, en: string, expr?: string): CuratedColumn => ({ name, title: { fr, en }, ...(expr ? { expr } : {}) });
const ORG = c('org', "Code de l'organisation", 'Organization code');
const SERVICE = c('service', 'Code du service', 'Service code');
const CHANNEL = c('channel', 'Canal', 'Channel');
const PERIOD = [
  c('period_start', 'Premier jour de la période', 'First day of the period'),
  c('period_end', 'Dernier jour de la période', 'Last day of the period'),
  c('period_grain', 'Grain (mois, trimestre, exercice…)', 'Grain (month, quarter, fiscal year…)'),
  c('period', 'Libellé de la période', 'Period label')
];

export const CURATED_VIEWS: readonly CuratedView[] = [
  {
    name: 'organizations',
    title: { fr: 'Organisations et leur hiérarchie', en: 'Organizations and their hierarchy' },
    source: 'organizations',
    orgColumn: 'code',
    final: true,
    columns: [
      c('code', "Code de l'organisation", 'Organization code'),
      c('name_fr', 'Nom (français)', 'Name (French)'),
      c('name_en', 'Nom (anglais)', 'Name (English)'),
      c('parent_code', 'Organisation parente', 'Parent organization'),
      c('kind', 'Type (ministère, organisme, tribunal)', 'Kind (ministry, agency, tribunal)'),
      c('reporting', 'Données envoyées : événements ou agrégats', 'Data sent: events or aggregates')
    ],
    example: "SELECT code, name_fr, kind, reporting\nFROM organizations\nORDER BY code"
  },
  {
    name: 'services',
    title: { fr: 'Services offerts', en: 'Services offered' },
    source: 'services',
    orgColumn: 'org',
    final: true,
    columns: [
      ORG,
      c('code', 'Code du service', 'Service code'),
      c('name_fr', 'Nom (français)', 'Name (French)'),
      c('name_en', 'Nom (anglais)', 'Name (English)'),
      c('launched_on', 'Date de lancement', 'Launch date'),
      c('end_to_end_digital', 'Entièrement en ligne', 'Fully online'),
      c('standard_days', 'Norme de service (jours)', 'Service standard (days)'),
      c('standard_target', 'Cible de respect de la norme', 'Standard attainment target')
    ],
    example: "SELECT org, code, name_fr, launched_on, end_to_end_digital\nFROM services\nORDER BY org, code"
  },
  {
    name: 'events',
    title: { fr: 'Événements des parcours (une ligne par étape)', en: 'Journey events (one row per step)' },
    source: 'service_events',
    orgColumn: 'org',
    columns: [
      ORG,
      SERVICE,
      c('occurred_at', 'Moment (UTC)', 'Time (UTC)'),
      c('event_id', "Identifiant de l'événement", 'Event id'),
      c('journey_id', 'Parcours (pseudonyme)', 'Journey (pseudonymous)'),
      c('type', 'Type : started, step, completed, failed, abandoned', 'Type: started, step, completed, failed, abandoned'),
      c('step', 'Étape', 'Step'),
      c('step_index', "Rang de l'étape", 'Step index'),
      c('outcome', 'Issue : success ou ineligible', 'Outcome: success or ineligible'),
      CHANNEL,
      c('client_type', 'Clientèle : citizen ou business', 'Client type: citizen or business'),
      c('region', 'Région administrative (01 à 17)', 'Administrative region (01 to 17)'),
      c('sign_in', 'Mode de connexion', 'Sign-in method'),
      c('assisted', 'Assisté', 'Assisted'),
      c('prefilled', 'Prérempli (une seule fois)', 'Prefilled (once-only)'),
      c('duration_ms', 'Durée (ms)', 'Duration (ms)')
    ],
    example: "SELECT toStartOfWeek(occurred_at) AS week, count() AS completed\nFROM events\nWHERE type = 'completed'\nGROUP BY week\nORDER BY week"
  },
  {
    name: 'survey_responses',
    title: { fr: 'Réponses aux sondages de satisfaction', en: 'Satisfaction survey responses' },
    source: 'survey_responses',
    orgColumn: 'org',
    columns: [
      ORG,
      SERVICE,
      c('submitted_at', 'Moment (UTC)', 'Time (UTC)'),
      CHANNEL,
      c('satisfaction', 'Satisfaction (1 à 5)', 'Satisfaction (1 to 5)'),
      c('effort', 'Effort (1 à 7)', 'Effort (1 to 7)'),
      c('comment', 'Commentaire (expurgé)', 'Comment (scrubbed)'),
      c('language', 'Langue', 'Language')
    ],
    example: "SELECT channel, round(avg(satisfaction), 2) AS satisfaction, count() AS responses\nFROM survey_responses\nGROUP BY channel\nORDER BY responses DESC"
  },
  {
    name: 'cases',
    title: { fr: 'Dossiers : reçus et décidés', en: 'Cases: received and decided' },
    source: 'cases',
    orgColumn: 'org',
    columns: [
      ORG,
      SERVICE,
      c('received_at', 'Reçu (UTC)', 'Received (UTC)'),
      c('decided_at', 'Décidé (UTC)', 'Decided (UTC)'),
      CHANNEL,
      c('standard_days', 'Norme (jours)', 'Standard (days)'),
      c('working_days', 'Jours ouvrables', 'Working days')
    ],
    example: "SELECT service, countIf(decided_at IS NOT NULL) AS decided, count() AS received\nFROM cases\nGROUP BY service\nORDER BY received DESC"
  },
  {
    name: 'channel_volumes',
    title: { fr: 'Volumes déclarés par canal', en: 'Declared volumes by channel' },
    source: 'channel_volumes',
    orgColumn: 'org',
    columns: [ORG, SERVICE, ...PERIOD, CHANNEL, c('volume', 'Volume', 'Volume')],
    example: "SELECT period, channel, sum(volume) AS volume\nFROM channel_volumes\nGROUP BY period, channel\nORDER BY period, channel"
  },
  {
    name: 'standard_results',
    title: { fr: 'Respect des normes de service déclaré', en: 'Declared service-standard results' },
    source: 'standard_results',
    orgColumn: 'org',
    columns: [ORG, SERVICE, ...PERIOD, CHANNEL, c('met', 'Dans la norme', 'Within the standard'), c('total', 'Total', 'Total')],
    example: "SELECT service, period, sum(met) / sum(total) AS within_standard\nFROM standard_results\nGROUP BY service, period\nORDER BY service, period"
  },
  {
    name: 'declared_indicators',
    title: { fr: 'Indicateurs déclarés', en: 'Declared indicators' },
    source: 'declared_indicators',
    orgColumn: 'org',
    columns: [ORG, SERVICE, ...PERIOD, c('indicator', 'Indicateur', 'Indicator'), c('value', 'Valeur', 'Value')],
    example: "SELECT org, indicator, period, value\nFROM declared_indicators\nORDER BY org, indicator, period"
  },
  {
    name: 'costs',
    title: { fr: 'Coûts par canal et période', en: 'Costs by channel and period' },
    source: 'costs',
    orgColumn: 'org',
    columns: [ORG, SERVICE, ...PERIOD, CHANNEL, c('amount_cad', 'Montant ($ CA)', 'Amount (CAD)')],
    example: "SELECT channel, sum(amount_cad) AS cost_cad\nFROM costs\nGROUP BY channel\nORDER BY cost_cad DESC"
  },
  {
    name: 'availability',
    title: { fr: 'Sondes de disponibilité', en: 'Availability probes' },
    source: 'availability_probes',
    orgColumn: 'org',
    columns: [
      ORG,
      SERVICE,
      c('probed_at', 'Moment (UTC)', 'Time (UTC)'),
      c('up', 'En service', 'Up'),
      c('response_ms', 'Temps de réponse (ms)', 'Response time (ms)'),
      c('interval_s', 'Durée représentée (s)', 'Time represented (s)')
    ],
    example: "SELECT service, avg(up) AS availability, quantile(0.95)(response_ms) AS p95_ms\nFROM availability\nGROUP BY service\nORDER BY availability"
  }
];

export const CURATED_VIEW_NAMES: ReadonlySet<string> = new Set(CURATED_VIEWS.map((v) => v.name));

/** The curated views' database for a Jalon database. */
export function analystDatabaseOf(database: string): string {
  return `${database}_analyst`;
}

/** The LIMIT closing every view (see the top of this file): larger than any table, so it never cuts a row. */
export const FILTER_BARRIER = '18446744073709551615';

/** The CREATE statement of one view (identifiers through the one helper; expressions are constants above). */
export function viewStatement(database: string, view: CuratedView): string {
  const columns = view.columns.map((col) => (col.expr ? `${col.expr} AS ${quoteIdentifier(col.name)}` : quoteIdentifier(col.name))).join(', ');
  return `CREATE OR REPLACE VIEW ${qualifiedName(analystDatabaseOf(database), view.name)} AS SELECT ${columns} FROM ${qualifiedName(database, view.source)}${view.final ? ' FINAL' : ''} LIMIT ${FILTER_BARRIER}`;
}

const ensured = new WeakMap<Warehouse, Promise<void>>();

/**
 * Creates (or brings up to date) the analyst database and its views, and drops anything else found in it, so the
 * database analysts' queries run in holds nothing but the catalogue. Once per open warehouse.
 */
export function ensureCuratedViews(wh: Warehouse): Promise<void> {
  let pending = ensured.get(wh);
  if (!pending) {
    pending = (async () => {
      const db = analystDatabaseOf(wh.database);
      await wh.command(`CREATE DATABASE IF NOT EXISTS ${quoteIdentifier(db)}`);
      const present = await wh.query<{ name: string }>('SELECT name FROM system.tables WHERE database = {db:String}', { db });
      for (const { name } of present) {
        if (!CURATED_VIEW_NAMES.has(name)) await wh.command(`DROP TABLE IF EXISTS ${qualifiedName(db, name)}`);
      }
      for (const view of CURATED_VIEWS) await wh.command(viewStatement(wh.database, view));
    })();
    pending.catch(() => ensured.delete(wh));
    ensured.set(wh, pending);
  }
  return pending;
}

export interface ViewDescription {
  name: string;
  title: Localized;
  example: string;
  columns: { name: string; type: string; title: Localized }[];
}

/** The curated views as the explorer's schema browser shows them: columns with the engine's own types. */
export async function describeCuratedViews(wh: Warehouse): Promise<ViewDescription[]> {
  await ensureCuratedViews(wh);
  const rows = await wh.query<{ table: string; name: string; type: string }>(
    'SELECT table, name, type FROM system.columns WHERE database = {db:String}',
    { db: analystDatabaseOf(wh.database) }
  );
  const types = new Map(rows.map((r) => [`${r.table}.${r.name}`, r.type]));
  return CURATED_VIEWS.map((v) => ({
    name: v.name,
    title: v.title,
    example: v.example,
    columns: v.columns.map((c) => ({ name: c.name, type: types.get(`${v.name}.${c.name}`) ?? '', title: c.title }))
  }));
}
