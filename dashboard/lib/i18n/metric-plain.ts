// Each indicator said in plain words, French and English, for the catalogue (the definition's own description, with
// its formula, stays on the indicator page and in the API). A metric missing here shows its definition's description.
import type { Lang } from './index.ts';

const PLAIN: Record<string, { fr: string; en: string }> = {
  abandonment_rate: {
    fr: 'Part des démarches commencées que la personne n’a jamais terminées, ni réussies ni échouées.',
    en: 'Share of started transactions that the person never finished, neither succeeded nor failed.'
  },
  availability: {
    fr: 'Part du temps où le service en ligne répondait aux vérifications automatiques.',
    en: 'Share of the time the online service answered the automatic checks.'
  },
  completeness: {
    fr: 'Part des organisations qui ont transmis leurs données pour la période.',
    en: 'Share of organizations that sent their data for the period.'
  },
  completion_rate: {
    fr: 'Part des démarches commencées qui sont menées à terme dans le délai prévu.',
    en: 'Share of started transactions that are carried through within the expected time.'
  },
  completion_time_distribution: {
    fr: 'Combien de personnes terminent en moins de 5 minutes, de 10 minutes, et ainsi de suite, avec la durée médiane.',
    en: 'How many people finish in under 5 minutes, under 10 minutes and so on, with the median duration.'
  },
  cost_per_transaction: {
    fr: 'Ce que coûte en moyenne une démarche terminée, tous modes de service confondus.',
    en: 'What one completed transaction costs on average, across all channels.'
  },
  digital_investment_pct: {
    fr: 'Part du budget de l’organisation consacrée au numérique, telle qu’elle la déclare.',
    en: 'Share of the organization’s budget spent on digital, as the organization reports it.'
  },
  digital_specialists: {
    fr: 'Nombre de spécialistes du numérique dans l’organisation, tel qu’elle le déclare.',
    en: 'Number of digital specialists in the organization, as the organization reports it.'
  },
  digital_take_up: {
    fr: 'Sur toutes les démarches terminées, la part faite en ligne (Web ou application mobile).',
    en: 'Of all completed transactions, the share done online (web or mobile app).'
  },
  effort: {
    fr: 'L’effort que les personnes disent avoir fourni pour leur démarche (sondage après le service).',
    en: 'The effort people say the transaction took (survey after the service).'
  },
  experiments_run: {
    fr: 'Nombre d’expériences contrôlées menées pour améliorer un service, tel que déclaré.',
    en: 'Number of controlled experiments run to improve a service, as reported.'
  },
  formalities_simplified: {
    fr: 'Nombre de formalités administratives simplifiées ou supprimées, tel que déclaré.',
    en: 'Number of administrative formalities simplified or removed, as reported.'
  },
  freshness: {
    fr: 'Part des jeux de données reçus aussi récemment que prévu.',
    en: 'Share of data sets received as recently as expected.'
  },
  legacy_systems_retired: {
    fr: 'Nombre de systèmes anciens remplacés ou retirés, tel que déclaré.',
    en: 'Number of legacy systems replaced or retired, as reported.'
  },
  once_only: {
    fr: 'Part des démarches où l’État a prérempli ce qu’il savait déjà, au lieu de le redemander.',
    en: 'Share of transactions where government prefilled what it already knew instead of asking again.'
  },
  online_end_to_end: {
    fr: 'Part des services qu’on peut faire entièrement en ligne, du début à la fin.',
    en: 'Share of services that can be done entirely online, from start to finish.'
  },
  open_datasets_published: {
    fr: 'Nombre de jeux de données ouverts publiés, tel que déclaré.',
    en: 'Number of open data sets published, as reported.'
  },
  partner_sign_in: {
    fr: 'Part des connexions faites avec l’identité d’un partenaire (une banque, par exemple).',
    en: 'Share of sign-ins made with a partner’s identity (a bank, for example).'
  },
  personal_data_portal_pct: {
    fr: 'Part des renseignements personnels que les citoyens peuvent consulter en ligne, telle que déclarée.',
    en: 'Share of personal information citizens can view online, as reported.'
  },
  public_consultations: {
    fr: 'Nombre de consultations publiques tenues en ligne, tel que déclaré.',
    en: 'Number of public consultations held online, as reported.'
  },
  regulations_adapted: {
    fr: 'Nombre de lois et règlements adaptés au numérique, tel que déclaré.',
    en: 'Number of laws and regulations adapted to digital, as reported.'
  },
  satisfaction: {
    fr: 'Part des personnes qui donnent 4 ou 5 sur 5 au service dans le sondage qui suit.',
    en: 'Share of people who rate the service 4 or 5 out of 5 in the survey that follows.'
  },
  staff_trained_digital_pct: {
    fr: 'Part du personnel formé au numérique, telle que déclarée.',
    en: 'Share of staff trained in digital, as reported.'
  },
  step_drop_off: {
    fr: 'À chaque étape d’une démarche en ligne, la part des personnes qui n’atteignent pas l’étape suivante.',
    en: 'At each step of an online transaction, the share of people who do not reach the next step.'
  },
  time_to_complete: {
    fr: 'Combien de temps prend une démarche, du début à la fin : la durée médiane.',
    en: 'How long a transaction takes from start to finish: the median duration.'
  },
  value_cost_avoided: {
    fr: 'Estimation des coûts évités parce que des démarches se font en ligne plutôt qu’au comptoir ou au téléphone.',
    en: 'Estimate of the costs avoided because transactions are done online rather than at a counter or by phone.'
  },
  value_time_saved: {
    fr: 'Estimation du temps que les citoyens gagnent en faisant leurs démarches en ligne.',
    en: 'Estimate of the time citizens save by doing their transactions online.'
  },
  within_service_standard: {
    fr: 'Part des demandes traitées dans le délai promis par le service.',
    en: 'Share of requests handled within the time the service promises.'
  }
};

/** Where the figures come from, in words (the table names stay in the API and on the indicator page). */
const SOURCES: Record<string, { fr: string; en: string }> = {
  availability_probes: { fr: 'vérifications automatiques de disponibilité', en: 'automatic availability checks' },
  cases: { fr: 'dossiers reçus et décidés', en: 'requests received and decided' },
  channel_volumes: { fr: 'volumes déclarés par mode de service', en: 'volumes reported per channel' },
  costs: { fr: 'coûts déclarés', en: 'reported costs' },
  declared_indicators: { fr: 'valeurs déclarées par les organisations', en: 'values reported by organizations' },
  organizations: { fr: 'liste des organisations', en: 'list of organizations' },
  service_events: { fr: 'étapes des démarches', en: 'transaction steps' },
  services: { fr: 'répertoire des services', en: 'service inventory' },
  standard_results: { fr: 'résultats déclarés des normes de service', en: 'reported service-standard results' },
  survey_responses: { fr: 'réponses aux sondages', en: 'survey answers' },
  value_parameters: { fr: 'paramètres du modèle de valeur', en: 'value-model parameters' },
};

export function sourceInWords(source: string, lang: Lang): string {
  return SOURCES[source]?.[lang] ?? source;
}

/** The indicator in plain words, or null when none is written (the caller shows the definition's description). */
export function plainDescription(id: string, lang: Lang): string | null {
  return PLAIN[id]?.[lang] ?? null;
}
