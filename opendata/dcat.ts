// The DCAT catalogue of a snapshot (`catalog.jsonld`): JSON-LD with DCAT, Dublin Core, FOAF, vCard and SPDX terms and
// its `@context` inline, so a portal harvester (CKAN's DCAT harvester, as Données Québec runs) parses it offline. One
// dcat:Dataset per indicator plus one for the revisions, one dcat:Distribution per file with its media type, byte size
// and SHA-256 checksum. Pure: what was written in, the document out.
import type { OpenDataConfig } from '../config/config.ts';

export const CONTEXT = {
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  spdx: 'http://spdx.org/rdf/terms#',
  xsd: 'http://www.w3.org/2001/XMLSchema#'
} as const;

export interface WrittenFile {
  /** File name inside the snapshot folder. */
  name: string;
  format: 'CSV' | 'JSON' | 'Parquet';
  bytes: number;
  sha256: string;
  title: { fr: string; en: string };
}

export interface CatalogDataset {
  id: string;
  title: { fr: string; en: string };
  description: { fr: string; en: string };
  keywords: { fr: string[]; en: string[] };
  /** First and last day (inclusive) of the figures. */
  temporal: { start: string; end: string };
  files: WrittenFile[];
}

export const MEDIA_TYPES: Record<WrittenFile['format'], string> = {
  CSV: 'text/csv',
  JSON: 'application/json',
  Parquet: 'application/vnd.apache.parquet'
};

/** The EU frequency vocabulary's term closest to a cron schedule (DCAT-AP's accrualPeriodicity). */
export function frequencyOf(schedule: string): string {
  const base = 'http://publications.europa.eu/resource/authority/frequency/';
  const f = schedule.trim().split(/\s+/);
  const [, hour, dom, month, dow] = f.length === 6 ? f.slice(1) : f;
  if (month !== '*') return `${base}ANNUAL`;
  if (dom !== '*') return `${base}MONTHLY`;
  if (dow !== '*') return `${base}WEEKLY`;
  if (hour === '*' || hour.includes('/') || hour.includes(',')) return `${base}CONT`;
  return `${base}DAILY`;
}

const texts = (t: { fr: string; en: string }) => [
  { '@value': t.fr, '@language': 'fr' },
  { '@value': t.en, '@language': 'en' }
];
const day = (d: string) => ({ '@value': d, '@type': 'xsd:date' });

/** `baseUrl` is where the snapshot's files are served, ending in `/` (a dated folder or `latest/`). */
export function buildCatalog(options: { snapshot: string; baseUrl: string; config: OpenDataConfig; datasets: readonly CatalogDataset[] }): Record<string, unknown> {
  const { snapshot, baseUrl, config } = options;
  const publisher = { '@id': config.publisher.url, '@type': 'foaf:Agent', 'foaf:name': config.publisher.name };
  const contactPoint = { '@type': 'vcard:Organization', 'vcard:fn': config.contact.name, 'vcard:hasEmail': { '@id': `mailto:${config.contact.email}` } };
  const licence = { '@id': config.licence };
  const accrual = { '@id': frequencyOf(config.schedule) };
  return {
    '@context': CONTEXT,
    '@id': `${baseUrl}catalog.jsonld`,
    '@type': 'dcat:Catalog',
    'dct:title': texts({ fr: 'Jalon — indicateurs de la transformation numérique', en: 'Jalon — digital transformation indicators' }),
    'dct:description': texts({
      fr: "Indicateurs publiés par Jalon : valeurs par exercice financier et par organisation, petits nombres supprimés, avec leur statut provisoire ou définitif et l'historique des révisions.",
      en: 'Indicators published by Jalon: figures by fiscal year and by organization, small counts suppressed, with their provisional or final status and the history of revisions.'
    }),
    'dct:language': [{ '@id': 'http://publications.europa.eu/resource/authority/language/FRA' }, { '@id': 'http://publications.europa.eu/resource/authority/language/ENG' }],
    'dct:publisher': publisher,
    'dct:license': licence,
    'dct:issued': day(snapshot),
    'dct:modified': day(snapshot),
    'dcat:dataset': options.datasets.map((d) => ({
      '@id': `${baseUrl}catalog.jsonld#${d.id}`,
      '@type': 'dcat:Dataset',
      'dct:identifier': d.id,
      'dct:title': texts(d.title),
      'dct:description': texts(d.description),
      'dct:publisher': publisher,
      'dct:license': licence,
      'dct:modified': day(snapshot),
      'dct:temporal': { '@type': 'dct:PeriodOfTime', 'dcat:startDate': day(d.temporal.start), 'dcat:endDate': day(d.temporal.end) },
      'dct:accrualPeriodicity': accrual,
      'dcat:keyword': [...d.keywords.fr.map((k) => ({ '@value': k, '@language': 'fr' })), ...d.keywords.en.map((k) => ({ '@value': k, '@language': 'en' }))],
      'dcat:contactPoint': contactPoint,
      'dcat:distribution': d.files.map((f) => ({
        '@id': `${baseUrl}${f.name}`,
        '@type': 'dcat:Distribution',
        'dct:title': texts(f.title),
        'dct:format': f.format,
        'dcat:mediaType': { '@id': `https://www.iana.org/assignments/media-types/${MEDIA_TYPES[f.format]}` },
        'dcat:accessURL': { '@id': `${baseUrl}${f.name}` },
        'dcat:downloadURL': { '@id': `${baseUrl}${f.name}` },
        'dcat:byteSize': { '@value': String(f.bytes), '@type': 'xsd:nonNegativeInteger' },
        'spdx:checksum': {
          '@type': 'spdx:Checksum',
          'spdx:algorithm': { '@id': 'spdx:checksumAlgorithm_sha256' },
          'spdx:checksumValue': { '@value': f.sha256, '@type': 'xsd:hexBinary' }
        },
        'dct:license': licence,
        'dct:issued': day(snapshot)
      }))
    }))
  };
}
