// Interim strategy for the scorecard: the 14 characteristics of the 2018 strategy (DESIGN §2) and the
// indicators measuring each, with provisional targets. Replaced by the metrics engine's strategy file and
// `strategy_targets` once they land; the scorecard says so while this one is in use.
import type { Localized } from '../../../metrics/types.ts';

export interface InterimTarget {
  metric: string;
  baseline: { value: number; date: string };
  target: { value: number; date: string };
}

export interface InterimCharacteristic {
  number: number;
  title: Localized;
  indicators: readonly InterimTarget[];
}

const T = (metric: string, baseline: number, target: number, date = '2026-03-31'): InterimTarget => ({
  metric, baseline: { value: baseline, date: '2018-05-01' }, target: { value: target, date }
});

export const INTERIM_STRATEGY = {
  id: 'sapn-2018',
  title: { fr: 'Stratégie pour une administration publique numérique (2018)', en: 'Strategy for a digital public administration (2018)' },
  provisional: true,
  characteristics: [
    { number: 1, title: { fr: 'Tout nouveau service est numérique', en: 'Every new service is digital' }, indicators: [T('digital_take_up', 0.35, 0.75), T('online_end_to_end', 0.3, 0.6)] },
    { number: 2, title: { fr: 'Le citoyen bénéficie de services personnalisés', en: 'Citizens receive personalized services' }, indicators: [T('time_to_complete', 30, 15), T('completion_rate', 0.7, 0.85)] },
    { number: 3, title: { fr: "Le citoyen influence les décisions de l'État", en: 'Citizens influence government decisions' }, indicators: [T('satisfaction', 0.7, 0.85), T('public_consultations', 1, 4)] },
    { number: 4, title: { fr: 'Le citoyen est en maîtrise de ses renseignements personnels', en: 'Citizens control their personal information' }, indicators: [T('personal_data_portal_pct', 5, 60)] },
    { number: 5, title: { fr: 'Un ADN numérique en construction', en: 'A digital DNA in the making' }, indicators: [T('staff_trained_digital_pct', 8, 60)] },
    { number: 6, title: { fr: "L'innovation et l'expérimentation", en: 'Innovation and experimentation' }, indicators: [T('experiments_run', 5, 40)] },
    { number: 7, title: { fr: 'Les talents numériques se multiplient', en: 'Digital talent grows' }, indicators: [T('digital_specialists', 300, 900)] },
    { number: 8, title: { fr: "L'information circule plus librement", en: 'Information flows more freely' }, indicators: [T('once_only', 0.05, 0.5), T('open_datasets_published', 40, 150)] },
    { number: 9, title: { fr: 'Les partenaires sont des leviers à la transformation', en: 'Partners are levers of transformation' }, indicators: [T('partner_sign_in', 0.1, 0.4)] },
    { number: 10, title: { fr: 'Les efforts de transformation numérique sont soutenus et canalisés', en: 'Digital transformation efforts are sustained and channelled' }, indicators: [T('digital_investment_pct', 6, 15)] },
    { number: 11, title: { fr: 'Le numérique et le patrimoine coexistent', en: 'Digital and legacy coexist' }, indicators: [T('within_service_standard', 0.8, 0.9), T('legacy_systems_retired', 5, 30)] },
    { number: 12, title: { fr: "La confiance du citoyen envers l'État grandit avec le numérique", en: 'Citizen trust in government grows with digital' }, indicators: [T('availability', 0.99, 0.995)] },
    { number: 13, title: { fr: 'Les lois et les règlements évoluent au rythme de la transformation', en: 'Laws and regulations keep pace with the transformation' }, indicators: [T('regulations_adapted', 0.3, 3)] },
    { number: 14, title: { fr: "La performance de l'administration publique s'accroît par le numérique", en: 'Public administration performs better through digital' }, indicators: [T('formalities_simplified', 20, 120), T('effort', 3.5, 2.5), T('cost_per_transaction', 12, 8)] }
  ] satisfies readonly InterimCharacteristic[]
};
