// The OpenAPI 3.1 registry behind /api/v1/openapi.json. Each area describes its own paths in a section module and adds
// one line to SECTIONS; shared schemas (the error shape) live here.
import { metricsOpenApi } from './openapi-metrics.ts';
import { operationsOpenApi } from './openapi-operations.ts';
import { annotationsOpenApi } from './openapi-annotations.ts';
import { accessOpenApi } from './openapi-access.ts';

export type OpenApiObject = Record<string, unknown>;

export interface OpenApiSection {
  paths: Record<string, OpenApiObject>;
  schemas?: Record<string, OpenApiObject>;
  tags?: { name: string; description: string }[];
}

/** Areas add their section here (ingest, access, exports, …). */
const SECTIONS: OpenApiSection[] = [metricsOpenApi, operationsOpenApi, annotationsOpenApi, accessOpenApi];

const extra: OpenApiSection[] = [];
/** Adds a section at run time (for modules that cannot be imported here). */
export function registerOpenApi(section: OpenApiSection): void {
  extra.push(section);
}

export const ERROR_SCHEMA: OpenApiObject = {
  type: 'object',
  required: ['error'],
  properties: { error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } } }
};

/** A response entry pointing at the shared error shape. */
export const errorResponse = (description: string): OpenApiObject => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } }
});

export function openApiDocument(): OpenApiObject {
  const all = [...SECTIONS, ...extra];
  return {
    openapi: '3.1.0',
    info: {
      title: 'Jalon API',
      version: '1',
      description: 'Valeur créée par les services publics numériques et distance aux cibles de la stratégie / Value created by public digital services and distance to strategy targets. Erreurs : { "error": { "code", "message" } } / errors.'
    },
    servers: [{ url: '/' }],
    tags: all.flatMap((s) => s.tags ?? []),
    paths: Object.assign({}, ...all.map((s) => s.paths)),
    components: { schemas: Object.assign({ Error: ERROR_SCHEMA }, ...all.map((s) => s.schemas ?? {})) }
  };
}
