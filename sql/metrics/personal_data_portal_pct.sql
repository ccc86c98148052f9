-- id: personal_data_portal_pct
-- title_fr: Renseignements personnels consultables en ligne
-- title_en: Personal information viewable online
-- description_fr: Part des renseignements personnels détenus qu'un citoyen peut consulter en ligne, en %, moyenne des organisations déclarantes. Valeur déclarée par chaque organisation pour l'organisation entière ; la dernière déclaration d'une période remplace les précédentes.
-- description_en: Share of the personal information held that a citizen can view online, in %, averaged over reporting organizations. Value each organization declares for the whole organization; the latest report for a period replaces earlier ones.
-- unit: percent
-- direction: higher
-- characteristics: 4
-- dimensions: org
-- grains: fiscal_year, all
-- sources: declared_indicators
-- formula_version: 1.0
-- effective_from: 2018-04-01
-- small_counts: show
-- The n of a row is the number of organizations that declared (organizations, not people: nothing to withhold).
-- Aggregation over organizations: mean.
SELECT {{period(period_start)}} AS period {{dims(org)}},
       sum(declared) AS numerator, toFloat64(uniqExact(org)) AS denominator, uniqExact(org) AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (SELECT org, service, period_start, period_end, period_grain, indicator, value AS declared FROM declared_indicators FINAL)
WHERE indicator = 'personal_data_portal_pct' AND service = '' AND period_grain = 'fiscal_year' AND {{declared_range}} AND {{scope}} {{filters(org)}}
GROUP BY period {{group}}
