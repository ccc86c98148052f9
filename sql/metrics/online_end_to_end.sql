-- id: online_end_to_end
-- title_fr: Services entièrement en ligne
-- title_en: Services fully online
-- description_fr: Services offerts de bout en bout en ligne ÷ services lancés avant la fin de la période (répertoire des services).
-- description_en: Services offered end to end online ÷ services launched before the end of the period (service inventory).
-- unit: ratio
-- direction: higher
-- characteristics: 1
-- dimensions: org, service
-- grains: all
-- sources: services
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- small_counts: show
SELECT 'all' AS period {{dims}},
       countIf(end_to_end_digital) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (SELECT org, code AS service, end_to_end_digital, launched_on FROM services FINAL WHERE NOT placeholder)
WHERE launched_on < {to:Date} AND {{scope}} {{filters(org, service)}}
GROUP BY period {{group}}
