// OpenAPI section for the operations routes (issue 12): alerts, quarantine, running a job, digests.
import type { OpenApiSection } from './openapi.ts';

// A local copy of the error entry: openapi.ts imports this module, so a value imported back from it would not exist yet.
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

const refusals = { '401': errorResponse('connexion requise / sign-in required'), '403': errorResponse('rôle ou organisation refusé / role or organization refused') };

export const operationsOpenApi: OpenApiSection = {
  tags: [{ name: 'operations', description: 'Alertes, quarantaine, tâches, sommaires / alerts, quarantine, jobs, digests (docs/alerts.md)' }],
  schemas: {
    Alert: {
      type: 'object',
      properties: {
        alert_id: { type: 'string' }, rule_id: { type: 'string' }, rule_type: { enum: ['threshold', 'status', 'stale', 'ingest'] }, scope: { type: 'string' }, org: { type: 'string' },
        state: { enum: ['open', 'resolved'] }, opened_at: { type: 'string' }, resolved_at: { type: ['string', 'null'] },
        summary: { type: 'object', properties: { fr: { type: 'string' }, en: { type: 'string' } } }, value: { type: ['number', 'null'] }, detail: { type: 'object' }
      }
    }
  },
  paths: {
    '/api/v1/alerts': {
      get: {
        tags: ['operations'],
        summary: 'Alertes visibles par l’appelant / alerts the caller may see',
        parameters: [
          { name: 'state', in: 'query', schema: { enum: ['open', 'resolved', 'all'], default: 'open' } },
          { name: 'org', in: 'query', schema: { type: 'string' } }
        ],
        responses: { '200': { description: '{alerts, undelivered} (undelivered: administrators only)', content: { 'application/json': { schema: { type: 'object', properties: { alerts: { type: 'array', items: { $ref: '#/components/schemas/Alert' } }, undelivered: { type: 'array' } } } } } }, ...refusals }
      }
    },
    '/api/v1/alerts/evaluate': {
      post: { tags: ['operations'], summary: 'Évaluer les règles maintenant (administrateurs) / evaluate every rule now (administrators)', responses: { '200': { description: '{fired, resolved, open, errors, notifications}' }, ...refusals } }
    },
    '/api/v1/quarantine': {
      get: {
        tags: ['operations'],
        summary: 'Lignes en quarantaine, texte expurgé / quarantined rows, text scrubbed (administrators, service owners, producer tokens)',
        parameters: [
          { name: 'org', in: 'query', schema: { type: 'string' } },
          { name: 'format', in: 'query', schema: { enum: ['csv', 'json'], default: 'csv' } }
        ],
        responses: { '200': { description: 'CSV (text/csv) or {rows}' }, ...refusals }
      }
    },
    '/api/v1/jobs/{id}/run': {
      post: { tags: ['operations'], summary: 'Exécuter une tâche maintenant (administrateurs, journalisé) / run a job now (administrators, audited)', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: '{id, status, error}' }, '404': errorResponse('tâche inconnue / unknown job'), ...refusals } }
    },
    '/api/v1/digests/send': {
      post: {
        tags: ['operations'],
        summary: 'Envoyer un sommaire maintenant à l’adresse du compte (administrateurs) / send a digest now to the account’s address (administrators)',
        requestBody: { content: { 'application/json': { schema: { type: 'object', required: ['user'], properties: { user: { type: 'string' }, org: { type: 'string' } } } } } },
        responses: { '200': { description: '{sent: [{username, org, to, status, attempts, error, pdf_bytes}]}' }, '400': errorResponse('compte, adresse ou abonnement manquant / account, address or subscription missing'), ...refusals }
      }
    },
    '/api/v1/digests/unsubscribe': {
      get: { tags: ['operations'], summary: 'Page de confirmation du désabonnement / unsubscribe confirmation page', parameters: [{ name: 'token', in: 'query', schema: { type: 'string' } }], responses: { '200': { description: 'HTML' } } },
      post: { tags: ['operations'], summary: 'Se désabonner (formulaire) / unsubscribe (form)', responses: { '200': { description: 'HTML' }, '400': errorResponse('formulaire attendu / form expected'), '404': { description: 'HTML: lien inconnu / unknown link' } } }
    }
  }
};
