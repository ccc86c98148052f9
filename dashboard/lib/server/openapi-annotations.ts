// OpenAPI section for /api/v1/annotations (see openapi.ts): list, create, read, edit and delete annotations.
import type { OpenApiSection } from './openapi.ts';

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const input = {
  type: 'object',
  required: ['date', 'kind', 'text_fr'],
  properties: {
    date: { type: 'string', format: 'date', description: 'Jour (Toronto) / day (Toronto)' },
    kind: { type: 'string', enum: ['release', 'incident', 'policy', 'campaign', 'note'] },
    text_fr: { type: 'string', maxLength: 500 },
    text_en: { type: 'string', maxLength: 500 },
    service: { type: 'string', description: 'Code du service / service code' },
    org: { type: 'string', description: "Sans service : l'organisation / without a service: the organization" }
  }
};
const refusals = {
  '400': errorResponse('Champ invalide / bad field'),
  '401': errorResponse('Connexion requise / sign-in required'),
  '403': errorResponse('Hors de votre organisation ou rôle en lecture seule / outside your organization, or a read-only role')
};

export const annotationsOpenApi: OpenApiSection = {
  tags: [{ name: 'annotations', description: 'Lancements, incidents, politiques, campagnes / releases, incidents, policies, campaigns (audited writes)' }],
  schemas: {
    Annotation: {
      type: 'object',
      properties: {
        id: { type: 'string' }, at: { type: 'string' }, day: { type: 'string', format: 'date' }, org: { type: 'string' }, service: { type: 'string' },
        kind: { type: 'string' }, text: { type: 'object', properties: { fr: { type: 'string' }, en: { type: 'string' } } }, author: { type: 'string' }
      }
    },
    AnnotationInput: input
  },
  paths: {
    '/api/v1/annotations': {
      get: {
        tags: ['annotations'], summary: "Annotations d'une organisation ou d'un service / of an organization or a service",
        parameters: ['org', 'service', 'from', 'to'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { annotations: { type: 'array', items: { $ref: '#/components/schemas/Annotation' } } } } } } }, ...refusals }
      },
      post: {
        tags: ['annotations'], summary: 'Créer / create',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AnnotationInput' } } } },
        responses: { '201': { description: 'Créée / created', content: { 'application/json': { schema: { $ref: '#/components/schemas/Annotation' } } } }, ...refusals }
      }
    },
    '/api/v1/annotations/{id}': {
      parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      get: { tags: ['annotations'], summary: 'Lire / read', responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Annotation' } } } }, '404': errorResponse('Introuvable / not found') } },
      put: {
        tags: ['annotations'], summary: 'Modifier / edit',
        requestBody: { required: true, content: { 'application/json': { schema: { $ref: '#/components/schemas/AnnotationInput' } } } },
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Annotation' } } } }, '404': errorResponse('Introuvable / not found'), ...refusals }
      },
      delete: { tags: ['annotations'], summary: 'Supprimer / delete', responses: { '200': { description: 'OK' }, '404': errorResponse('Introuvable / not found'), ...refusals } }
    }
  }
};
