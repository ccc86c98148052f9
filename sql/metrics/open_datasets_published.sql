-- id: open_datasets_published
-- title_fr: Jeux de données ouverts publiés
-- title_en: Open data sets published
-- description_fr: Jeux de données publiés en données ouvertes pendant l'exercice (somme des organisations). Valeur déclarée par chaque organisation pour l'organisation entière ; la dernière déclaration d'une période remplace les précédentes.
-- description_en: Data sets published as open data during the fiscal year (sum over organizations). Value each organization declares for the whole organization; the latest report for a period replaces earlier ones.
-- unit: count
-- direction: higher
-- characteristics: 8
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
WHERE indicator = 'open_datasets_published' AND service = '' AND period_grain = 'fiscal_year' AND {{declared_range}} AND {{scope}} {{filters(org)}}
GROUP BY period {{group}}
