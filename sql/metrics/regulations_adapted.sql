-- id: regulations_adapted
-- title_fr: Règlements adaptés au numérique
-- title_en: Regulations adapted to digital
-- description_fr: Lois et règlements modifiés pour permettre le numérique, moyenne par organisation déclarante. Valeur déclarée par chaque organisation pour l'organisation entière ; la dernière déclaration d'une période remplace les précédentes.
-- description_en: Laws and regulations changed to allow digital delivery, average per reporting organization. Value each organization declares for the whole organization; the latest report for a period replaces earlier ones.
-- unit: count
-- direction: higher
-- characteristics: 13
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
WHERE indicator = 'regulations_adapted' AND service = '' AND period_grain = 'fiscal_year' AND {{declared_range}} AND {{scope}} {{filters(org)}}
GROUP BY period {{group}}
