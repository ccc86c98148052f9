// The demo's reference data: real Québec public organizations and plausible services, with the parameters the
// generator uses (volume weight, season, digital adoption curve, steps and where citizens drop off, standards,
// baseline times and unit costs for value created). Codes are the organizations' usual acronyms.

export type Season = 'flat' | 'tax' | 'school' | 'spring' | 'summer' | 'winter' | 'yearend';
export const SEASONS: readonly Season[] = ['flat', 'tax', 'school', 'spring', 'summer', 'winter', 'yearend'];

/** Relative monthly volume (January .. December) for each season profile. */
export const SEASON_PROFILE: Record<Season, readonly number[]> = {
  flat: [1, 1, 1, 1, 1, 1, 0.9, 0.85, 1, 1.05, 1, 0.8],
  tax: [0.6, 1.6, 3.2, 3.6, 1.4, 0.7, 0.5, 0.5, 0.6, 0.6, 0.6, 0.5],
  school: [1.6, 0.9, 0.7, 0.7, 1.1, 1.6, 1.6, 2.6, 1.8, 0.8, 0.6, 0.5],
  spring: [1.4, 1.3, 1.6, 1.7, 1.3, 1.2, 1.1, 0.6, 0.6, 0.6, 0.6, 0.4],
  summer: [0.6, 0.6, 0.8, 1.0, 1.4, 1.6, 1.6, 1.5, 1.1, 0.9, 0.7, 0.6],
  winter: [1.5, 1.4, 1.2, 0.9, 0.7, 0.6, 0.6, 0.7, 0.8, 1.0, 1.3, 1.5],
  yearend: [1.1, 1.0, 1.0, 0.9, 0.9, 0.9, 0.8, 0.8, 0.9, 1.0, 1.2, 1.6]
};

/** Base probability of leaving at each kind of step (identity check, uploads and payment are the hard ones). */
export const STEP_DROP: Record<string, number> = {
  admissibilite: 0.07,
  identification: 0.13,
  formulaire: 0.05,
  documents: 0.16,
  photo: 0.1,
  rendez_vous: 0.06,
  paiement: 0.11,
  revision: 0.03,
  transmission: 0.02,
  confirmation: 0.01
};

export const STEP_NAMES: Record<string, { fr: string; en: string }> = {
  admissibilite: { fr: 'Admissibilité', en: 'Eligibility' },
  identification: { fr: "Vérification d'identité", en: 'Identity check' },
  formulaire: { fr: 'Formulaire', en: 'Form' },
  documents: { fr: 'Téléversement de documents', en: 'Document upload' },
  photo: { fr: 'Photo', en: 'Photo' },
  rendez_vous: { fr: 'Choix du rendez-vous', en: 'Appointment' },
  paiement: { fr: 'Paiement', en: 'Payment' },
  revision: { fr: 'Révision', en: 'Review' },
  transmission: { fr: 'Transmission', en: 'Submission' },
  confirmation: { fr: 'Confirmation', en: 'Confirmation' }
};

export interface DemoOrganization {
  code: string;
  fr: string;
  en: string;
  kind: 'ministere' | 'organisme' | 'tribunal';
  parent?: string;
  reporting: 'events' | 'aggregates';
  /** Grain of the volumes an aggregate-only organization declares. */
  volumeGrain?: 'month' | 'quarter' | 'fiscal_year';
  /** Year when half of the way to its digital target is reached (adoption speed differs by organization). */
  adoptionMidYear: number;
}

export interface DemoService {
  org: string;
  code: string;
  fr: string;
  en: string;
  steps: readonly string[];
  /** Relative yearly volume. */
  weight: number;
  season: Season;
  launched: string; // YYYY-MM-DD
  /** Digital share of completions in May 2018 and where it heads. */
  digital: [number, number];
  business?: number; // share of business clients
  standardDays?: number;
  workingDays?: boolean;
  endToEnd?: boolean;
  signIn?: boolean; // requires signing in online
  /** Minutes a citizen spends on a web completion (value created baseline is per channel). */
  webMinutes: number;
}

export const ORGANIZATIONS: readonly DemoOrganization[] = [
  { code: 'RAMQ', fr: "Régie de l'assurance maladie du Québec", en: 'Régie de l’assurance maladie du Québec (health insurance)', kind: 'organisme', reporting: 'events', adoptionMidYear: 2021.5 },
  { code: 'RQ', fr: 'Revenu Québec', en: 'Revenu Québec', kind: 'organisme', reporting: 'events', adoptionMidYear: 2018.5 },
  { code: 'SAAQ', fr: "Société de l'assurance automobile du Québec", en: 'Société de l’assurance automobile du Québec (auto insurance and licensing)', kind: 'organisme', reporting: 'events', adoptionMidYear: 2023.2 },
  { code: 'RETRAITEQC', fr: 'Retraite Québec', en: 'Retraite Québec (pensions and family allowance)', kind: 'organisme', reporting: 'events', adoptionMidYear: 2020 },
  { code: 'CNESST', fr: "Commission des normes, de l'équité, de la santé et de la sécurité du travail", en: 'Labour standards, pay equity and workplace health and safety board (CNESST)', kind: 'organisme', reporting: 'events', adoptionMidYear: 2021 },
  { code: 'MESS', fr: "Ministère de l'Emploi et de la Solidarité sociale", en: 'Ministry of Employment and Social Solidarity', kind: 'ministere', reporting: 'aggregates', volumeGrain: 'month', adoptionMidYear: 2022 },
  { code: 'SERVICESQC', fr: 'Services Québec', en: 'Services Québec', kind: 'organisme', parent: 'MESS', reporting: 'events', adoptionMidYear: 2021.8 },
  { code: 'AFE', fr: 'Aide financière aux études', en: 'Student Financial Assistance', kind: 'organisme', reporting: 'events', adoptionMidYear: 2019.2 },
  { code: 'DEC', fr: "Directeur de l'état civil", en: 'Directeur de l’état civil (civil status registrar)', kind: 'organisme', reporting: 'events', adoptionMidYear: 2020.8 },
  { code: 'REQ', fr: 'Registraire des entreprises du Québec', en: 'Québec Enterprise Registrar', kind: 'organisme', reporting: 'events', adoptionMidYear: 2019 },
  { code: 'TAL', fr: 'Tribunal administratif du logement', en: 'Administrative Housing Tribunal', kind: 'tribunal', reporting: 'events', adoptionMidYear: 2022.5 },
  { code: 'MIFI', fr: "Ministère de l'Immigration, de la Francisation et de l'Intégration", en: 'Ministry of Immigration, Francization and Integration', kind: 'ministere', reporting: 'events', adoptionMidYear: 2020.5 },
  { code: 'CCQ', fr: 'Commission de la construction du Québec', en: 'Québec Construction Commission', kind: 'organisme', reporting: 'events', adoptionMidYear: 2021.2 },
  { code: 'RBQ', fr: 'Régie du bâtiment du Québec', en: 'Régie du bâtiment du Québec (building authority)', kind: 'organisme', reporting: 'events', adoptionMidYear: 2022 },
  { code: 'BANQ', fr: 'Bibliothèque et Archives nationales du Québec', en: 'National Library and Archives of Québec', kind: 'organisme', reporting: 'events', adoptionMidYear: 2019.5 },
  { code: 'MTMD', fr: 'Ministère des Transports et de la Mobilité durable', en: 'Ministry of Transport and Sustainable Mobility', kind: 'ministere', reporting: 'aggregates', volumeGrain: 'month', adoptionMidYear: 2022.5 },
  { code: 'SHQ', fr: "Société d'habitation du Québec", en: 'Québec Housing Corporation', kind: 'organisme', reporting: 'aggregates', volumeGrain: 'quarter', adoptionMidYear: 2023 },
  { code: 'CPTAQ', fr: 'Commission de protection du territoire agricole du Québec', en: 'Agricultural Land Protection Commission', kind: 'organisme', reporting: 'aggregates', volumeGrain: 'fiscal_year', adoptionMidYear: 2021.5 }
];

const S = (
  org: string, code: string, fr: string, en: string, steps: string, weight: number, season: Season,
  digital: [number, number], webMinutes: number, extra: Partial<DemoService> = {}
): DemoService => ({
  org, code: `${org}-${code}`, fr, en, steps: steps ? steps.split(' ') : [], weight, season, launched: '2018-05-01', digital, webMinutes, signIn: true, ...extra
});

export const SERVICES: readonly DemoService[] = [
  S('RAMQ', 'CARTE-RENOUV', "Renouvellement de la carte d'assurance maladie", 'Health insurance card renewal', 'identification formulaire photo confirmation', 9, 'flat', [0.05, 0.55], 12, { standardDays: 30 }),
  S('RAMQ', 'INSCRIPTION', "Inscription au régime d'assurance maladie", 'Health insurance plan registration', 'admissibilite identification formulaire documents transmission', 3, 'summer', [0.02, 0.45], 25, { standardDays: 35 }),
  S('RAMQ', 'MEDICAMENTS', "Inscription à l'assurance médicaments", 'Prescription drug insurance registration', 'identification formulaire transmission', 2, 'flat', [0.1, 0.6], 10, { standardDays: 20 }),
  S('RAMQ', 'ADRESSE', "Changement d'adresse", 'Change of address', 'identification formulaire confirmation', 4, 'summer', [0.3, 0.85], 5, { endToEnd: true }),
  S('RAMQ', 'REMBOURSEMENT', 'Demande de remboursement de frais', 'Claim for reimbursement of costs', 'identification formulaire documents transmission', 2, 'flat', [0.1, 0.7], 18, { standardDays: 45 }),
  S('RAMQ', 'GAMF', 'Inscription au Guichet d’accès à un médecin de famille', 'Family doctor waiting list registration', 'identification formulaire confirmation', 3, 'flat', [0.4, 0.9], 8, { launched: '2018-05-01', endToEnd: true }),

  S('RQ', 'TP1', 'Déclaration de revenus des particuliers (TP-1)', 'Personal income tax return (TP-1)', 'identification formulaire revision transmission', 30, 'tax', [0.7, 0.93], 45, { endToEnd: true }),
  S('RQ', 'SOLIDARITE', 'Crédit d’impôt pour solidarité', 'Solidarity tax credit', 'identification formulaire transmission', 6, 'tax', [0.6, 0.9], 10, { endToEnd: true }),
  S('RQ', 'VERSEMENTS-ANTICIPES', 'Versements anticipés des crédits d’impôt', 'Advance payments of tax credits', 'identification formulaire transmission', 2, 'winter', [0.4, 0.85], 12, { standardDays: 30 }),
  S('RQ', 'TPS-TVQ', 'Déclaration de TPS/TVQ', 'GST/QST return', 'identification formulaire paiement transmission', 10, 'yearend', [0.75, 0.96], 30, { business: 1, endToEnd: true }),
  S('RQ', 'RETENUES', 'Remise des retenues à la source', 'Source deductions remittance', 'identification formulaire paiement', 8, 'flat', [0.65, 0.95], 15, { business: 1, endToEnd: true }),
  S('RQ', 'PAIEMENT', 'Paiement d’un solde d’impôt', 'Payment of a tax balance', 'identification paiement confirmation', 6, 'tax', [0.6, 0.9], 6, { business: 0.2, endToEnd: true }),
  S('RQ', 'PENSIONS-ALIMENTAIRES', 'Perception des pensions alimentaires', 'Support payment collection', 'identification formulaire documents transmission', 1, 'flat', [0.1, 0.5], 20, { standardDays: 60 }),

  S('SAAQ', 'PERMIS-RENOUV', 'Renouvellement du permis de conduire', "Driver's licence renewal", 'identification formulaire photo paiement', 10, 'flat', [0.02, 0.55], 15, { standardDays: 21 }),
  S('SAAQ', 'IMMATRICULATION', "Paiement de l'immatriculation", 'Vehicle registration payment', 'identification paiement confirmation', 12, 'spring', [0.25, 0.8], 6, { endToEnd: true }),
  S('SAAQ', 'EXAMEN', "Rendez-vous pour l'examen de conduite", 'Road test booking', 'identification rendez_vous paiement confirmation', 4, 'summer', [0.1, 0.7], 8, {}),
  S('SAAQ', 'ADRESSE', "Changement d'adresse", 'Change of address', 'identification formulaire confirmation', 3, 'summer', [0.2, 0.75], 5, { endToEnd: true }),
  S('SAAQ', 'INDEMNISATION', "Demande d'indemnisation à la suite d'un accident", 'Compensation claim after an accident', 'identification formulaire documents transmission', 2, 'winter', [0.02, 0.35], 35, { standardDays: 30, workingDays: true }),
  S('SAAQ', 'TRANSFERT', "Transfert de propriété d'un véhicule", 'Transfer of vehicle ownership', 'identification formulaire paiement confirmation', 5, 'spring', [0.0, 0.45], 15, { launched: '2023-02-20' }),

  S('RETRAITEQC', 'RENTE', 'Demande de rente de retraite', 'Retirement pension application', 'admissibilite identification formulaire documents transmission', 3, 'flat', [0.2, 0.75], 30, { standardDays: 60 }),
  S('RETRAITEQC', 'ALLOCATION-FAMILLE', 'Allocation famille', 'Family allowance', 'identification formulaire documents transmission', 4, 'summer', [0.25, 0.8], 20, { standardDays: 30 }),
  S('RETRAITEQC', 'RELEVE', 'Relevé de participation au Régime de rentes', 'Statement of participation in the pension plan', 'identification confirmation', 5, 'flat', [0.5, 0.95], 4, { endToEnd: true }),
  S('RETRAITEQC', 'CONJOINT', 'Rente de conjoint survivant', "Surviving spouse's pension", 'admissibilite identification formulaire documents transmission', 1, 'winter', [0.05, 0.45], 35, { standardDays: 45 }),

  S('CNESST', 'RECLAMATION', 'Réclamation du travailleur', "Worker's claim", 'identification formulaire documents transmission', 5, 'winter', [0.05, 0.6], 30, { standardDays: 30, workingDays: true }),
  S('CNESST', 'DECLARATION-SALAIRES', 'Déclaration des salaires', 'Declaration of wages', 'identification formulaire paiement transmission', 5, 'tax', [0.6, 0.95], 25, { business: 1, endToEnd: true }),
  S('CNESST', 'PLAINTE-NORMES', 'Plainte en normes du travail', 'Labour standards complaint', 'admissibilite identification formulaire documents transmission', 2, 'flat', [0.2, 0.7], 25, { standardDays: 90 }),
  S('CNESST', 'RETRAIT-PREVENTIF', 'Retrait préventif de la travailleuse enceinte', 'Precautionary reassignment of pregnant workers', 'identification formulaire documents transmission', 2, 'flat', [0.1, 0.65], 20, { standardDays: 20, workingDays: true }),

  S('SERVICESQC', 'CHANGEMENT-ADRESSE', 'Service québécois de changement d’adresse', 'Québec address change service', 'identification formulaire confirmation', 6, 'summer', [0.55, 0.92], 6, { endToEnd: true }),
  S('SERVICESQC', 'DECES', 'Démarches à la suite d’un décès', 'What to do after a death', 'identification formulaire documents transmission', 2, 'winter', [0.05, 0.4], 40, { standardDays: 30 }),
  S('SERVICESQC', 'AIDE-SOCIALE', 'Demande d’aide financière de dernier recours', 'Social assistance application', 'admissibilite identification formulaire documents transmission', 3, 'flat', [0.1, 0.55], 35, { standardDays: 10, workingDays: true }),
  S('SERVICESQC', 'RENSEIGNEMENTS', 'Demande de renseignements', 'Information request', 'formulaire transmission', 5, 'flat', [0.2, 0.6], 5, { signIn: false, endToEnd: true }),

  S('AFE', 'DEMANDE', 'Demande d’aide financière aux études', 'Student financial assistance application', 'identification formulaire documents revision transmission', 6, 'school', [0.85, 0.97], 50, { standardDays: 30, workingDays: true, endToEnd: true }),
  S('AFE', 'REMBOURSEMENT', 'Remboursement du prêt étudiant', 'Student loan repayment', 'identification paiement confirmation', 3, 'flat', [0.5, 0.9], 8, { endToEnd: true }),
  S('AFE', 'PRD', 'Programme de remboursement différé', 'Repayment assistance program', 'identification formulaire documents transmission', 1, 'flat', [0.3, 0.8], 20, { standardDays: 30 }),

  S('DEC', 'CERTIFICAT-NAISSANCE', 'Demande de certificat de naissance', 'Birth certificate request', 'identification formulaire paiement confirmation', 5, 'summer', [0.2, 0.75], 12, { standardDays: 12, workingDays: true }),
  S('DEC', 'CERTIFICAT-MARIAGE', 'Demande de certificat de mariage', 'Marriage certificate request', 'identification formulaire paiement confirmation', 1, 'summer', [0.2, 0.7], 12, { standardDays: 12, workingDays: true }),
  S('DEC', 'CHANGEMENT-NOM', 'Demande de changement de nom', 'Change of name application', 'admissibilite identification formulaire documents paiement transmission', 0.5, 'flat', [0.0, 0.4], 60, { standardDays: 120 }),
  S('DEC', 'DECLARATION-NAISSANCE', 'Déclaration de naissance', 'Declaration of birth', 'formulaire documents transmission', 2, 'flat', [0.1, 0.6], 15, { signIn: false, standardDays: 30 }),

  S('REQ', 'IMMATRICULATION', 'Immatriculation d’une entreprise individuelle', 'Registration of a sole proprietorship', 'identification formulaire paiement transmission', 3, 'spring', [0.5, 0.9], 25, { business: 1, standardDays: 5, workingDays: true, endToEnd: true }),
  S('REQ', 'DECLARATION-ANNUELLE', 'Déclaration de mise à jour annuelle', 'Annual updating declaration', 'identification formulaire paiement transmission', 8, 'spring', [0.7, 0.95], 15, { business: 1, endToEnd: true }),
  S('REQ', 'CONSTITUTION', 'Constitution d’une société par actions', 'Incorporation of a business corporation', 'identification formulaire documents paiement transmission', 2, 'yearend', [0.6, 0.93], 45, { business: 1, standardDays: 5, workingDays: true, endToEnd: true }),
  S('REQ', 'ETAT-RENSEIGNEMENTS', 'État des renseignements d’une entreprise', 'Statement of information on an enterprise', 'formulaire paiement confirmation', 2, 'flat', [0.8, 0.97], 5, { business: 1, signIn: false, endToEnd: true }),

  S('TAL', 'DEMANDE', 'Introduction d’une demande', 'Filing an application', 'identification formulaire documents paiement transmission', 3, 'spring', [0.15, 0.7], 40, { standardDays: 90 }),
  S('TAL', 'FIXATION-LOYER', 'Demande de fixation de loyer', 'Rent-fixing application', 'identification formulaire documents paiement transmission', 2, 'spring', [0.05, 0.55], 35, { standardDays: 120 }),
  S('TAL', 'DEPOT-DOCUMENTS', 'Dépôt de documents au dossier', 'Filing documents in a case', 'identification documents confirmation', 2, 'flat', [0.1, 0.75], 10, {}),

  S('MIFI', 'CSQ', 'Demande de certificat de sélection du Québec', 'Québec Selection Certificate application', 'admissibilite identification formulaire documents paiement transmission', 2, 'flat', [0.4, 0.95], 90, { standardDays: 180, endToEnd: true }),
  S('MIFI', 'FRANCISATION', 'Inscription aux cours de francisation', 'French course registration', 'identification formulaire rendez_vous confirmation', 3, 'school', [0.3, 0.8], 20, {}),
  S('MIFI', 'CAQ-ETUDES', 'Certificat d’acceptation du Québec pour études', 'Québec Acceptance Certificate for studies', 'identification formulaire documents paiement transmission', 2, 'school', [0.8, 0.97], 40, { standardDays: 30, endToEnd: true }),

  S('CCQ', 'CERTIFICAT-COMPETENCE', 'Renouvellement du certificat de compétence', 'Competency certificate renewal', 'identification formulaire paiement confirmation', 2, 'winter', [0.2, 0.75], 10, { standardDays: 15, workingDays: true }),
  S('CCQ', 'RAPPORT-MENSUEL', 'Rapport mensuel de l’employeur', "Employer's monthly report", 'identification formulaire transmission', 6, 'flat', [0.7, 0.97], 20, { business: 1, endToEnd: true }),
  S('CCQ', 'EXAMEN', 'Inscription à un examen de qualification', 'Qualification exam registration', 'identification rendez_vous paiement confirmation', 1, 'flat', [0.1, 0.7], 10, {}),

  S('RBQ', 'LICENCE', 'Demande de licence d’entrepreneur', 'Contractor licence application', 'admissibilite identification formulaire documents paiement transmission', 1, 'spring', [0.1, 0.6], 60, { business: 1, standardDays: 30 }),
  S('RBQ', 'MAINTIEN', 'Maintien de la licence (paiement annuel)', 'Annual licence maintenance payment', 'identification paiement confirmation', 3, 'flat', [0.4, 0.9], 6, { business: 1, endToEnd: true }),
  S('RBQ', 'PLAINTE', 'Plainte au sujet de travaux', 'Complaint about construction work', 'formulaire documents transmission', 1, 'summer', [0.2, 0.6], 20, { signIn: false }),

  S('BANQ', 'ABONNEMENT', 'Abonnement à BAnQ', 'BAnQ membership', 'formulaire identification confirmation', 3, 'school', [0.4, 0.85], 6, { signIn: false, endToEnd: true }),
  S('BANQ', 'RESERVATION', 'Réservation de documents', 'Document reservation', 'identification confirmation', 6, 'winter', [0.6, 0.92], 3, { endToEnd: true }),
  S('BANQ', 'RECHERCHE-ARCHIVES', 'Demande de recherche en archives', 'Archival research request', 'formulaire paiement transmission', 0.5, 'flat', [0.3, 0.8], 15, { signIn: false, standardDays: 20, workingDays: true }),

  // Organizations that declare aggregate volumes only (no event-level data).
  S('MESS', 'SUBVENTION-SALARIALE', 'Subvention salariale', 'Wage subsidy', '', 2, 'flat', [0.1, 0.5], 40, { business: 1 }),
  S('MESS', 'OBJECTIF-EMPLOI', 'Programme Objectif emploi', 'Objective Employment program', '', 1, 'flat', [0.05, 0.35], 30, {}),
  S('MESS', 'PRIME-TRAVAIL', 'Prime au travail', 'Work premium', '', 2, 'tax', [0.3, 0.8], 15, {}),
  S('MTMD', 'PERMIS-SPECIAL', 'Permis spécial de circulation', 'Special travel permit', '', 3, 'summer', [0.2, 0.75], 20, { business: 1 }),
  S('MTMD', 'RECLAMATION', 'Réclamation pour dommages', 'Claim for damages', '', 1, 'spring', [0.05, 0.5], 30, {}),
  S('MTMD', 'SIGNALEMENT', 'Signalement routier', 'Road issue report', '', 2, 'spring', [0.3, 0.85], 5, {}),
  S('SHQ', 'ALLOCATION-LOGEMENT', 'Allocation-logement', 'Housing allowance', '', 3, 'flat', [0.05, 0.45], 30, { standardDays: 60 }),
  S('SHQ', 'RENOREGION', 'Programme RénoRégion', 'RénoRégion program', '', 1, 'spring', [0.0, 0.3], 45, {}),
  S('SHQ', 'ADAPTATION-DOMICILE', 'Programme d’adaptation de domicile', 'Home adaptation program', '', 0.5, 'flat', [0.0, 0.25], 45, {}),
  S('CPTAQ', 'AUTORISATION', 'Demande d’autorisation', 'Authorization application', '', 1, 'flat', [0.05, 0.6], 60, { standardDays: 120 }),
  S('CPTAQ', 'DECLARATION', 'Déclaration d’exercice de droits', 'Declaration of exercised rights', '', 0.5, 'flat', [0.05, 0.5], 30, {})
];

/** Share of the population by administrative region (01..17), approximately. */
export const REGION_WEIGHTS: readonly number[] = [2.3, 3.2, 9.0, 3.2, 4.0, 23.6, 4.7, 1.7, 1.0, 0.5, 1.0, 5.1, 5.1, 6.0, 7.3, 17.5, 2.8];

/** Minutes a citizen spends per completion on each non-digital channel (including travel and waiting). */
export const CHANNEL_MINUTES: Record<string, number> = { phone: 35, counter: 75, mail: 60, partner: 40 };
/** Unit cost to the administration per completed transaction, CAD. */
export const CHANNEL_UNIT_COST: Record<string, number> = { web: 2.6, mobile: 2.1, phone: 11.5, counter: 24, mail: 17, partner: 9 };

/** Indicators organizations declare each fiscal year (characteristic of the 2018 strategy they serve). */
export const DECLARED_INDICATORS: readonly { code: string; base: number; growth: number; perOrgScale: boolean }[] = [
  { code: 'digital_specialists', base: 12, growth: 0.12, perOrgScale: true },
  { code: 'staff_trained_digital_pct', base: 8, growth: 0.45, perOrgScale: false },
  { code: 'formalities_simplified', base: 2, growth: 0.2, perOrgScale: true },
  { code: 'open_datasets_published', base: 3, growth: 0.25, perOrgScale: true },
  { code: 'experiments_run', base: 0.5, growth: 0.5, perOrgScale: true },
  { code: 'public_consultations', base: 1, growth: 0.2, perOrgScale: true },
  { code: 'digital_investment_pct', base: 6, growth: 0.08, perOrgScale: false },
  { code: 'regulations_adapted', base: 0.3, growth: 0.35, perOrgScale: false },
  { code: 'personal_data_portal_pct', base: 5, growth: 0.5, perOrgScale: false },
  { code: 'legacy_systems_retired', base: 0.5, growth: 0.3, perOrgScale: true }
];

export const SURVEY_COMMENTS: readonly { lang: 'fr' | 'en'; text: string; mood: 'good' | 'bad' }[] = [
  { lang: 'fr', text: 'Très simple, fait en quelques minutes.', mood: 'good' },
  { lang: 'fr', text: 'Rapide et clair, merci.', mood: 'good' },
  { lang: 'fr', text: "La vérification d'identité a échoué deux fois avant de fonctionner.", mood: 'bad' },
  { lang: 'fr', text: 'Impossible de téléverser mon document PDF, trop lourd.', mood: 'bad' },
  { lang: 'fr', text: 'Le paiement a été refusé sans explication.', mood: 'bad' },
  { lang: 'fr', text: "J'aurais aimé que mes informations soient déjà remplies.", mood: 'bad' },
  { lang: 'fr', text: 'Beaucoup mieux que de me déplacer au bureau.', mood: 'good' },
  { lang: 'fr', text: "Le temps d'attente au téléphone était long.", mood: 'bad' },
  { lang: 'fr', text: 'Les instructions étaient difficiles à comprendre.', mood: 'bad' },
  { lang: 'fr', text: "L'agente a été très aidante.", mood: 'good' },
  { lang: 'fr', text: 'Le site ne fonctionnait pas bien sur mon téléphone.', mood: 'bad' },
  { lang: 'fr', text: 'Parfait.', mood: 'good' },
  { lang: 'en', text: 'Quick and easy, thank you.', mood: 'good' },
  { lang: 'en', text: 'The identity check kept failing.', mood: 'bad' },
  { lang: 'en', text: 'Could not find the English version of the form.', mood: 'bad' },
  { lang: 'en', text: 'Much better than going in person.', mood: 'good' }
];

export const DEMO_START = '2018-05-01';

