-- id: digital_investment_pct
-- title_fr: Part du budget consacrée au numérique
-- title_en: Share of budget devoted to digital
-- description_fr: Part du budget des ressources informationnelles consacrée à la transformation numérique, en %, moyenne des organisations déclarantes. Valeur déclarée par chaque organisation pour l'organisation entière ; la dernière déclaration d'une période remplace les précédentes.
-- description_en: Share of the IT budget devoted to digital transformation, in %, averaged over reporting organizations. Value each organization declares for the whole organization; the latest report for a period replaces earlier ones.
-- unit: percent
-- direction: higher
-- characteristics: 10
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
WHERE indicator = 'digital_investment_pct' AND service = '' AND period_grain = 'fiscal_year' AND {{declared_range}} AND {{scope}} {{filters(org)}}
GROUP BY period {{group}}
