-- id: completeness
-- title_fr: Complétude des données
-- title_en: Data completeness
-- description_fr: Organisations ayant transmis des données pour la période (événements, volumes, normes ou indicateurs déclarés) ÷ organisations attendues (répertoire, sans les codes provisoires).
-- description_en: Organizations that sent data for the period (events, volumes, standards or declared indicators) ÷ organizations expected (inventory, placeholders excluded).
-- unit: ratio
-- direction: higher
-- characteristics: 10
-- dimensions: none
-- sources: service_events, channel_volumes, standard_results, declared_indicators, organizations
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- small_counts: show
-- rollup: rollup_events_daily
SELECT period, uniqExact(org) AS numerator, any(expected) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    SELECT DISTINCT {{period(toDate(occurred_at, 'America/Toronto'))}} AS period, org FROM service_events
    WHERE {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}}
    UNION ALL SELECT DISTINCT {{period(period_start)}}, org FROM channel_volumes WHERE {{declared_range}} AND {{scope}}
    UNION ALL SELECT DISTINCT {{period(period_start)}}, org FROM standard_results WHERE {{declared_range}} AND {{scope}}
    UNION ALL SELECT DISTINCT {{period(period_start)}}, org FROM declared_indicators WHERE {{declared_range}} AND {{scope}}
) AS r
INNER JOIN (SELECT code AS org FROM organizations FINAL WHERE NOT placeholder) AS o USING (org)
CROSS JOIN (SELECT count() AS expected FROM (SELECT code AS org FROM organizations FINAL WHERE NOT placeholder) WHERE {{scope}}) AS e
GROUP BY period
-- @rollup
SELECT period, uniqExact(org) AS numerator, any(expected) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    SELECT DISTINCT {{period(day)}} AS period, org FROM rollup_events_daily WHERE {{in_range(day)}} AND {{scope}}
    UNION ALL SELECT DISTINCT {{period(period_start)}}, org FROM channel_volumes WHERE {{declared_range}} AND {{scope}}
    UNION ALL SELECT DISTINCT {{period(period_start)}}, org FROM standard_results WHERE {{declared_range}} AND {{scope}}
    UNION ALL SELECT DISTINCT {{period(period_start)}}, org FROM declared_indicators WHERE {{declared_range}} AND {{scope}}
) AS r
INNER JOIN (SELECT code AS org FROM organizations FINAL WHERE NOT placeholder) AS o USING (org)
CROSS JOIN (SELECT count() AS expected FROM (SELECT code AS org FROM organizations FINAL WHERE NOT placeholder) WHERE {{scope}}) AS e
GROUP BY period
