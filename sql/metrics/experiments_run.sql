-- id: experiments_run
-- title_fr: Expérimentations contrôlées menées
-- title_en: Controlled experiments run
-- description_fr: Expérimentations contrôlées et projets pilotes menés pendant l'exercice (somme des organisations). Valeur déclarée par chaque organisation pour l'organisation entière ; la dernière déclaration d'une période remplace les précédentes.
-- description_en: Controlled experiments and pilots run during the fiscal year (sum over organizations). Value each organization declares for the whole organization; the latest report for a period replaces earlier ones.
-- unit: count
-- direction: higher
-- characteristics: 6
-- dimensions: org
-- grains: fiscal_year, all
-- sources: declared_indicators
-- formula_version: 1.0
-- effective_from: 2018-04-01
-- small_counts: show
-- The n of a row is the number of organizations that declared (organizations, not people: nothing to withhold).
-- Aggregation over organizations: sum.
SELECT {{period(period_start)}} AS period {{dims(org)}},
       sum(declared) AS numerator, toFloat64(1) AS denominator, uniqExact(org) AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (SELECT org, service, period_start, period_end, period_grain, indicator, value AS declared FROM declared_indicators FINAL)
WHERE indicator = 'experiments_run' AND service = '' AND period_grain = 'fiscal_year' AND {{declared_range}} AND {{scope}} {{filters(org)}}
GROUP BY period {{group}}
