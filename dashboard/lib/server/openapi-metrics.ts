// OpenAPI description of the metrics and scorecard paths (registered in openapi.ts).
import type { OpenApiSection } from './openapi.ts';

const err = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });
const q = (name: string, description: string, schema: Record<string, unknown> = { type: 'string' }) => ({ name, in: 'query', required: false, description, schema });
const localized = { type: 'object', required: ['fr', 'en'], properties: { fr: { type: 'string' }, en: { type: 'string' } } };
const nullableNumber = { type: ['number', 'null'] };

export const metricsOpenApi: OpenApiSection = {
  tags: [{ name: 'metrics', description: 'Métriques et tableau de bord stratégique / metrics and strategy scorecard' }],
  paths: {
    '/api/v1/metrics': {
      get: {
        tags: ['metrics'], operationId: 'listMetrics', summary: 'Catalogue des métriques / metric catalogue',
        responses: { '200': { description: 'OK', content: { 'application/json': { schema: { type: 'object', properties: { metrics: { type: 'array', items: { $ref: '#/components/schemas/MetricDefinition' } } } } } } } }
      }
    },
    '/api/v1/metrics/{id}': {
      get: {
        tags: ['metrics'], operationId: 'getMetric', summary: "Valeurs d'une métrique / one metric's values",
        parameters: [
          { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'digital_take_up, completion_rate, …' },
          q('from', 'Premier jour inclus (America/Toronto) / first day, inclusive', { type: 'string', format: 'date' }),
          q('to', 'Dernier jour exclu / last day, exclusive', { type: 'string', format: 'date' }),
          q('grain', 'Grain', { type: 'string', enum: ['day', 'week', 'month', 'quarter', 'fiscal_year', 'year', 'all'], default: 'month' }),
          q('by', 'Regroupement / group by: org,service,channel,region,client_type'),
          q('org', 'Organisations (séparées par des virgules) / organizations, comma-separated'),
          q('service', 'Services'), q('channel', 'Canaux / channels'), q('region', 'Régions / regions 01..17'), q('client_type', 'citizen | business'),
          q('compare', 'Comparaison / comparison', { type: 'string', enum: ['none', 'previous_period', 'previous_year'] })
        ],
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/MetricAnswer' } } } },
          '400': err('Requête invalide / bad request'), '403': err('Organisation hors de portée / organization out of scope'),
          '404': err('Métrique inconnue / unknown metric'), '422': err('Grain plus fin que les données / grain finer than the data'),
          '503': err('Entrepôt indisponible / warehouse unavailable')
        }
      }
    },
    '/api/v1/scorecard': {
      get: {
        tags: ['metrics'], operationId: 'getScorecard', summary: 'Tableau de bord de la stratégie / strategy scorecard',
        parameters: [q('org', "Code d'organisation ; absent = gouvernement / organization code; absent = government-wide"), q('at', 'Jour évalué / day judged', { type: 'string', format: 'date' }), q('strategy', 'Stratégie / strategy (qc-2018)')],
        responses: {
          '200': { description: 'OK', content: { 'application/json': { schema: { $ref: '#/components/schemas/Scorecard' } } } },
          '400': err('Requête invalide / bad request'), '403': err('Organisation hors de portée / organization out of scope'), '404': err('Stratégie inconnue / unknown strategy')
        }
      }
    }
  },
  schemas: {
    MetricDefinition: {
      type: 'object',
      properties: {
        id: { type: 'string' }, title: localized, description: localized, unit: { type: 'string' }, direction: { type: 'string', enum: ['higher', 'lower'] },
        characteristics: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 14 } }, dimensions: { type: 'array', items: { type: 'string' } },
        grains: { type: 'array', items: { type: 'string' } }, sources: { type: 'array', items: { type: 'string' } }, formula_version: { type: 'string' }, effective_from: { type: 'string', format: 'date' }, modelled: { type: 'boolean' }
      }
    },
    MetricRow: {
      type: 'object', required: ['period', 'dimensions', 'value', 'numerator', 'denominator', 'n', 'suppressed'],
      properties: {
        period: { type: 'string', description: "'2023-04-01', '2023-W14', '2023-04', '2023-Q2', '2023-2024', '2023', 'all'" },
        dimensions: { type: 'object', additionalProperties: { type: 'string' } },
        value: nullableNumber, numerator: nullableNumber, denominator: nullableNumber, n: nullableNumber,
        suppressed: { type: 'boolean', description: 'Compte sous le seuil : aucune valeur / count under the threshold: no values' },
        extra: { type: 'object', additionalProperties: nullableNumber },
        step: { type: 'object', properties: { index: { type: 'integer' }, name: { type: 'string' } } },
        comparison: { type: ['object', 'null'], properties: { period: { type: 'string' }, value: nullableNumber } },
        status: {
          type: 'string', enum: ['provisional', 'final'],
          description: "Provisoire tant que la période n'est pas close et ses sources complètes (ou le délai écoulé), puis définitif ; un changement d'une valeur définitive est une révision / provisional until the period is closed and its sources complete (or the delay passed), then final; a change to a final figure is a revision"
        }
      }
    },
    MetricAnswer: {
      type: 'object', required: ['metric', 'unit', 'grain', 'rows', 'provenance'],
      properties: {
        metric: { type: 'string' }, unit: { type: 'string' }, grain: { type: 'string' }, rows: { type: 'array', items: { $ref: '#/components/schemas/MetricRow' } },
        provenance: {
          type: 'object',
          properties: {
            formula_version: { type: 'string' }, effective_from: { type: 'string' }, sources: { type: 'array', items: { type: 'string' } },
            last_data_at: { type: ['string', 'null'], format: 'date-time' },
            completeness: { type: 'object', properties: { reported: { type: 'integer' }, expected: { type: 'integer' } } },
            modelled: { type: 'boolean' }, table: { type: 'string', enum: ['rollup', 'raw'] }, notes: { type: 'array', items: { type: 'string' } }
          }
        }
      }
    },
    Scorecard: {
      type: 'object', required: ['scope', 'at', 'characteristics'],
      properties: {
        strategy: { type: 'string' }, title: localized, scope: { type: 'string' }, at: { type: 'string', format: 'date' },
        characteristics: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              number: { type: 'integer' }, title: localized, text: localized, status: { $ref: '#/components/schemas/Status' },
              indicators: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    metric: { type: 'string' }, source: { type: 'string', enum: ['computed', 'declared'] }, title: localized, unit: { type: 'string' },
                    value: nullableNumber, period: { type: ['string', 'null'] }, target: nullableNumber, target_date: { type: 'string', format: 'date' },
                    baseline: { type: 'object' }, status: { $ref: '#/components/schemas/Status' }, fresh: { type: 'boolean' },
                    last_data_at: { type: ['string', 'null'] }, n: nullableNumber, suppressed: { type: 'boolean' }
                  }
                }
              }
            }
          }
        }
      }
    },
    Status: { type: 'string', enum: ['achieved', 'on_track', 'at_risk', 'late', 'no_target', 'no_data'] }
  }
};
