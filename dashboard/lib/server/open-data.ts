// Server side of the open-data pages (/donnees-ouvertes, /open-data) and of their files: reads the latest snapshot's
// catalogue to list data sets, and serves files out of the configured folder, without sign-in. A file path is exactly
// `<snapshot or latest>/<name>` with a published extension: nothing else (no `..`, no other folder, no link out of the
// folder, no directory listing) is served.
import fs from 'node:fs';
import path from 'node:path';
import { type RequestEvent } from '@sveltejs/kit';
import { LATEST, SNAPSHOT_NAME } from '../../../opendata/layout.ts';
import { listRevisions, type Revision } from '../../../metrics/revisions.ts';
import type { Lang } from '../i18n/index.ts';
import { getRuntime } from './runtime.ts';

export interface OpenDataFile {
  name: string;
  format: string;
  bytes: number;
  href: string;
}

export interface OpenDataListing {
  snapshot: string | null;
  datasets: { id: string; title: { fr: string; en: string }; description: { fr: string; en: string }; files: OpenDataFile[] }[];
  catalog: string | null;
  earlier: { snapshot: string; href: string }[];
  licence: string;
  contact: { name: string; email: string };
  threshold: number;
}

/** Where each language serves the files (both routes serve the same folder). */
export const FILE_ROUTES: Record<Lang, string> = { fr: '/donnees-ouvertes/fichiers/', en: '/open-data/files/' };

const MEDIA: Record<string, string> = {
  '.csv': 'text/csv; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonld': 'application/ld+json; charset=utf-8',
  '.parquet': 'application/vnd.apache.parquet'
};
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*(\.[a-z]+)$/;

interface Text {
  '@value': string;
  '@language': string;
}
interface CatalogShape {
  'dcat:dataset'?: {
    'dct:identifier': string;
    'dct:title': Text[];
    'dct:description': Text[];
    'dcat:distribution': { '@id': string; 'dct:format': string; 'dcat:byteSize': { '@value': string } }[];
  }[];
}

const pick = (texts: readonly Text[], lang: Lang): string => texts.find((t) => t['@language'] === lang)?.['@value'] ?? texts[0]?.['@value'] ?? '';

/** The data sets of `latest/` and the dated snapshots, newest first; an empty listing when nothing was published. */
export function openDataListing(dir: string, lang: Lang): Omit<OpenDataListing, 'licence' | 'contact' | 'threshold'> {
  const base = FILE_ROUTES[lang];
  const snapshots = (fs.existsSync(dir) ? fs.readdirSync(dir) : []).filter((n) => SNAPSHOT_NAME.test(n) && fs.existsSync(path.join(dir, n, 'catalog.jsonld'))).sort().reverse();
  const catalogFile = path.join(dir, LATEST, 'catalog.jsonld');
  if (!snapshots.length || !fs.existsSync(catalogFile)) return { snapshot: null, datasets: [], catalog: null, earlier: [] };
  const catalog = JSON.parse(fs.readFileSync(catalogFile, 'utf8')) as CatalogShape & { 'dct:issued'?: { '@value': string } };
  const datasets = (catalog['dcat:dataset'] ?? []).map((d) => ({
    id: d['dct:identifier'],
    title: { fr: pick(d['dct:title'], 'fr'), en: pick(d['dct:title'], 'en') },
    description: { fr: pick(d['dct:description'], 'fr'), en: pick(d['dct:description'], 'en') },
    files: d['dcat:distribution'].map((f) => {
      const name = f['@id'].slice(f['@id'].lastIndexOf('/') + 1);
      return { name, format: f['dct:format'], bytes: Number(f['dcat:byteSize']['@value']), href: `${base}${LATEST}/${encodeURIComponent(name)}` };
    })
  }));
  return {
    snapshot: catalog['dct:issued']?.['@value'] ?? snapshots[0],
    datasets,
    catalog: `${base}${LATEST}/catalog.jsonld`,
    earlier: snapshots.map((s) => ({ snapshot: s, href: `${base}${s}/catalog.jsonld` }))
  };
}

export async function openDataPage(event: RequestEvent, lang: Lang) {
  const { config } = await getRuntime();
  const listing: OpenDataListing = {
    ...openDataListing(config.openData.dir, lang),
    licence: config.openData.licence,
    contact: config.openData.contact,
    threshold: config.smallCountThreshold
  };
  return { lang, role: event.locals.caller.role, listing };
}

/** Outside /api, an error is a page (the site's convention): a short bilingual one, naming nothing that was asked. */
const notFound = (): Response =>
  new Response(
    '<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Fichier introuvable / File not found</title></head><body><h1>Fichier introuvable</h1><p lang="en">File not found.</p><p><a href="/donnees-ouvertes">Données ouvertes</a> · <a href="/open-data" lang="en">Open data</a></p></body></html>\n',
    { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' } }
  );

/** Resolves `rest` (the route's `[...path]`) to a published file inside `dir`, or null. */
export function resolveOpenDataFile(dir: string, rest: string): string | null {
  const parts = rest.split('/');
  if (parts.length !== 2) return null;
  const [folder, name] = parts;
  if (folder !== LATEST && !SNAPSHOT_NAME.test(folder)) return null;
  const m = NAME.exec(name);
  if (!m || !MEDIA[m[1]]) return null;
  let root: string;
  let real: string;
  try {
    root = fs.realpathSync(dir);
    real = fs.realpathSync(path.join(root, folder, name));
  } catch {
    return null;
  }
  // A link inside the folder pointing out of it is refused like `..`.
  if (path.dirname(path.dirname(real)) !== root) return null;
  return fs.statSync(real).isFile() ? real : null;
}

/** GET of one published file: dated files never change (cached a year), `latest/` ones are revalidated hourly. */
export async function openDataFile(rest: string): Promise<Response> {
  const { config } = await getRuntime();
  const file = resolveOpenDataFile(config.openData.dir, rest);
  if (!file) return notFound();
  const data = fs.readFileSync(file);
  return new Response(data, {
    headers: {
      'content-type': MEDIA[path.extname(file)],
      'content-length': String(data.byteLength),
      'cache-control': rest.startsWith(`${LATEST}/`) ? 'public, max-age=3600' : 'public, max-age=31536000, immutable',
      'access-control-allow-origin': '*'
    }
  });
}

/** An indicator's recorded revisions, newest first (none when the table is not there yet). */
export async function indicatorRevisions(metric: string): Promise<Revision[]> {
  const { warehouse } = await getRuntime();
  return listRevisions(warehouse, { indicator: metric, limit: 50 }).catch(() => []);
}
