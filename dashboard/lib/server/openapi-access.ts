// OpenAPI section for who is asking and what they may do (access/): sign-in, the SQL sandbox and saved queries, the
// audit log, accounts and producer tokens, and the push API producers call with those tokens. The route matrix test
// (tests/e2e/access-route-matrix.test.ts) fails when a route the server answers is missing from the document.
import type { OpenApiSection } from './openapi.ts';

// A local copy of the error entry: openapi.ts imports this module, so a value imported back from it would not exist yet.
const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const jsonBody = (schema: Record<string, unknown>) => ({ required: true, content: { 'application/json': { schema } } });
const signIn = { '401': errorResponse('connexion requise / sign-in required') };
const adminOnly = { ...signIn, '403': errorResponse('administrateurs seulement / administrators only') };
const sqlRoles = { ...signIn, '403': errorResponse('rôle sans SQL / role without SQL') };
const pathParam = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/** The push API's kinds (ingest/kinds.ts KINDS; tests/e2e/access-route-matrix.test.ts holds them equal). */
export const PUSH_KINDS = ['events', 'surveys', 'cases', 'volumes', 'standards', 'indicators', 'costs', 'probes', 'organizations', 'services', 'value_parameters', 'annotations'] as const;

export const accessOpenApi: OpenApiSection = {
  tags: [
    { name: 'access', description: 'Connexion, requêtes SQL, journal, comptes et jetons / sign-in, SQL queries, audit log, accounts and tokens (docs/access.md, docs/security.md)' },
    { name: 'ingest', description: 'Envoi de données par jeton de producteur / data pushed with a producer token (docs/ingest.md)' }
  ],
  schemas: {
    Me: { type: 'object', properties: { username: { type: ['string', 'null'] }, role: { type: 'string' }, orgs: { type: 'array', items: { type: 'string' } }, signedIn: { type: 'boolean' } } },
    SavedQuery: { type: 'object', properties: { id: { type: 'string' }, title: { type: 'string' }, sql: { type: 'string' }, shared: { type: 'boolean' }, owner: { type: 'string' } } },
    QueryResult: {
      type: 'object',
      properties: {
        columns: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string' } } } },
        rows: { type: 'array', items: { type: 'object' } }, rowCount: { type: 'integer' }, truncated: { type: 'boolean' }, durationMs: { type: 'number' },
        views: { type: 'array', items: { type: 'string' } }, scope: {}
      }
    }
  },
  paths: {
    '/api/v1/auth/login': {
      post: {
        tags: ['access'],
        summary: 'Connexion par mot de passe / password sign-in (a form post is answered with a redirect)',
        requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['username', 'password'], properties: { username: { type: 'string' }, password: { type: 'string' } } } }, 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } },
        responses: { '200': { description: 'cookie de session posé / session cookie set: {user: {username, role, orgs}}' }, '303': { description: 'formulaire : vers `next` / form: to `next`' }, '400': errorResponse('nom et mot de passe requis / name and password required'), '401': errorResponse('nom ou mot de passe refusé / name or password refused'), '423': errorResponse('verrouillé pour cette adresse / locked out for this address'), '429': errorResponse('trop de tentatives / too many attempts') }
      }
    },
    '/api/v1/auth/logout': {
      post: { tags: ['access'], summary: 'Déconnexion (ce site seulement) / sign-out (this site only)', responses: { '200': { description: '{ok: true}' }, '303': { description: 'formulaire / form' }, '403': errorResponse('autre site / another site'), '415': errorResponse('formulaire ou JSON attendu / form or JSON expected') } }
    },
    '/api/v1/auth/me': {
      get: { tags: ['access'], summary: 'Qui demande / who is asking', responses: { '200': { description: 'rôle et organisations / role and organizations', content: { 'application/json': { schema: { $ref: '#/components/schemas/Me' } } } } } }
    },
    '/api/v1/auth/oidc/start': {
      get: { tags: ['access'], summary: 'Connexion OpenID Connect : vers le fournisseur / OpenID Connect sign-in: to the provider', parameters: [{ name: 'next', in: 'query', schema: { type: 'string' } }], responses: { '303': { description: 'vers le fournisseur / to the provider' }, '404': errorResponse('OpenID Connect non configuré / not configured') } }
    },
    '/api/v1/auth/oidc/callback': {
      get: { tags: ['access'], summary: 'Retour du fournisseur OpenID Connect / OpenID Connect provider callback', parameters: [{ name: 'code', in: 'query', schema: { type: 'string' } }, { name: 'state', in: 'query', schema: { type: 'string' } }], responses: { '303': { description: 'connecté / signed in' }, '400': errorResponse('réponse du fournisseur refusée / provider answer refused'), '403': errorResponse('aucun compte OpenID Connect / no OpenID Connect account'), '404': errorResponse('OpenID Connect non configuré / not configured') } }
    },
    '/api/v1/query': {
      post: {
        tags: ['access'],
        summary: 'Une requête SQL dans le bac à sable, pour l’appelant / one sandboxed SQL query, as the caller',
        parameters: [{ name: 'format', in: 'query', schema: { enum: ['json', 'csv'], default: 'json' } }],
        requestBody: jsonBody({ type: 'object', required: ['sql'], properties: { sql: { type: 'string' } } }),
        responses: { '200': { description: 'JSON or CSV (formulas neutralized)', content: { 'application/json': { schema: { $ref: '#/components/schemas/QueryResult' } }, 'text/csv': {} } }, '400': errorResponse('requête refusée / query refused'), ...sqlRoles, '422': errorResponse('limite de temps, de mémoire ou de résultat / time, memory or result limit'), '429': errorResponse('trop de requêtes en cours / too many queries running') }
      }
    },
    '/api/v1/query/views': {
      get: { tags: ['access'], summary: 'Vues interrogeables, colonnes et exemples / queryable views, columns and examples', responses: { '200': { description: '{views}' }, ...sqlRoles } }
    },
    '/api/v1/query/saved': {
      get: { tags: ['access'], summary: 'Requêtes enregistrées de l’appelant et partagées / the caller’s saved and shared queries', responses: { '200': { description: '{queries}', content: { 'application/json': { schema: { type: 'object', properties: { queries: { type: 'array', items: { $ref: '#/components/schemas/SavedQuery' } } } } } } }, ...sqlRoles } },
      post: {
        tags: ['access'],
        summary: 'Enregistrer une requête / save a query',
        requestBody: jsonBody({ type: 'object', required: ['title', 'sql'], properties: { id: { type: 'string' }, title: { type: 'string' }, sql: { type: 'string' }, shared: { type: 'boolean' } } }),
        responses: { '201': { description: 'enregistrée / saved', content: { 'application/json': { schema: { $ref: '#/components/schemas/SavedQuery' } } } }, '400': errorResponse('titre et SQL attendus / title and SQL expected'), ...sqlRoles, '404': errorResponse('pas une requête de l’appelant / not one of the caller’s queries'), '409': errorResponse('titre déjà pris / title taken') }
      }
    },
    '/api/v1/query/saved/{id}': {
      delete: { tags: ['access'], summary: 'Supprimer une requête enregistrée (son auteur) / delete a saved query (its owner)', parameters: [pathParam('id')], responses: { '200': { description: '{ok: true}' }, ...sqlRoles, '404': errorResponse('pas une requête de l’appelant / not one of the caller’s queries') } }
    },
    '/api/v1/audit': {
      get: {
        tags: ['access'],
        summary: 'Chercher dans le journal d’audit (administrateurs) / search the audit log (administrators)',
        parameters: ['actor', 'action', 'ok', 'q', 'from', 'to', 'limit'].map((name) => ({ name, in: 'query', schema: { type: 'string' } })),
        responses: { '200': { description: '{entries}' }, ...adminOnly }
      }
    },
    '/api/v1/admin/users': {
      get: { tags: ['access'], summary: 'Comptes (sans empreintes de mot de passe ; administrateurs, clé d’opérateur) / accounts (no password hashes; administrators, operator key)', responses: { '200': { description: '{accounts}' }, ...adminOnly } }
    },
    '/api/v1/admin/users/{name}': {
      post: {
        tags: ['access'],
        summary: 'Désactiver ou réactiver un compte, tout de suite / disable or enable an account, at once',
        parameters: [pathParam('name')],
        requestBody: jsonBody({ type: 'object', required: ['disabled'], properties: { disabled: { type: 'boolean' } } }),
        responses: { '200': { description: '{username, disabled}' }, '400': errorResponse('{"disabled": true|false} attendu / expected'), ...adminOnly, '404': errorResponse('compte inconnu / unknown account') }
      }
    },
    '/api/v1/admin/tokens': {
      get: { tags: ['access'], summary: 'Jetons de producteur (jamais leurs secrets) / producer tokens (never their secrets)', responses: { '200': { description: '{tokens}' }, ...adminOnly } }
    },
    '/api/v1/admin/tokens/{id}': {
      delete: { tags: ['access'], summary: 'Révoquer un jeton, tout de suite / revoke a token, at once', parameters: [pathParam('id')], responses: { '200': { description: '{token_id, revoked: true}' }, ...adminOnly, '404': errorResponse('jeton inconnu / unknown token') } }
    },
    '/api/v1/ingest/{kind}': {
      post: {
        tags: ['ingest'],
        summary: 'Envoyer des lignes pour l’organisation du jeton (Authorization: Bearer) / push rows for the token’s organization (Authorization: Bearer)',
        parameters: [{ name: 'kind', in: 'path', required: true, schema: { enum: [...PUSH_KINDS] } }, { name: 'org', in: 'query', schema: { type: 'string' } }],
        requestBody: { required: true, content: { 'application/x-ndjson': { schema: { type: 'string' } }, 'application/json': { schema: { type: 'array', items: { type: 'object' } } } } },
        responses: {
          '200': { description: 'résumé de l’envoi et 100 premières erreurs / run summary and the first 100 row errors' },
          '400': errorResponse('corps illisible / unreadable body'), '401': errorResponse('jeton absent, inconnu ou révoqué / token missing, unknown or revoked'),
          '403': errorResponse('autre organisation / another organization'), '404': errorResponse('type inconnu / unknown kind'),
          '413': errorResponse('corps trop volumineux / body too large'), '429': errorResponse('limite du jeton ou de l’adresse / token or address limit')
        }
      }
    },
    '/api/v1/openapi.json': {
      get: { tags: ['access'], summary: 'Ce document / this document', responses: { '200': { description: 'OpenAPI 3.1' } } }
    }
  }
};
