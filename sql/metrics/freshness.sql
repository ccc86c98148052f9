-- id: freshness
-- title_fr: Fraîcheur des données
-- title_en: Data freshness
-- description_fr: Jeux de données (organisation × source) dont la dernière donnée a l'âge attendu à la fin de la période : événements 2 jours, sondages et dossiers 7 jours, sondes 1 jour ; données déclarées selon leur grain (mois 62 jours, trimestre 153, exercice ou année 457 après la fin de la période).
-- description_en: Data sets (organization × source) whose latest data is within its expected age at the end of the period: events 2 days, surveys and cases 7 days, probes 1 day; declared data by grain (month 62 days, quarter 153, fiscal year or year 457 after the period's end).
-- unit: ratio
-- direction: higher
-- characteristics: 10, 14
-- dimensions: org
-- grains: all
-- sources: service_events, survey_responses, cases, availability_probes, channel_volumes, standard_results, declared_indicators, costs
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- small_counts: show
-- rollup: rollup_events_daily, rollup_responses_daily
WITH least({now:DateTime64(3, 'UTC')}, toDateTime64(toDateTime({to:Date}, 'America/Toronto'), 3, 'UTC')) AS asof
SELECT 'all' AS period {{dims(org)}},
       countIf(latest >= asof - toIntervalDay(max_age)) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    SELECT org, max(occurred_at) AS latest, 2 AS max_age FROM service_events WHERE occurred_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, max(submitted_at), 7 FROM survey_responses WHERE submitted_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, max(received_at), 7 FROM cases WHERE received_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, max(probed_at), 1 FROM availability_probes WHERE probed_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), multiIf(any(period_grain) = 'month', 62, any(period_grain) = 'quarter', 153, 457)
              FROM channel_volumes WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), multiIf(any(period_grain) = 'month', 62, any(period_grain) = 'quarter', 153, 457)
              FROM standard_results WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), 457 FROM declared_indicators WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), 457 FROM costs WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
)
WHERE 1 {{filters(org)}}
GROUP BY period {{group}}
-- @rollup
WITH least({now:DateTime64(3, 'UTC')}, toDateTime64(toDateTime({to:Date}, 'America/Toronto'), 3, 'UTC')) AS asof
SELECT 'all' AS period {{dims(org)}},
       countIf(latest >= asof - toIntervalDay(max_age)) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    SELECT org, max(last_at) AS latest, 2 AS max_age FROM rollup_events_daily WHERE day <= toDate(asof, 'America/Toronto') AND last_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, max(last_at), 7 FROM rollup_responses_daily WHERE day <= toDate(asof, 'America/Toronto') AND last_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, max(received_at), 7 FROM cases WHERE received_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, max(probed_at), 1 FROM availability_probes WHERE probed_at < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), multiIf(any(period_grain) = 'month', 62, any(period_grain) = 'quarter', 153, 457)
              FROM channel_volumes WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), multiIf(any(period_grain) = 'month', 62, any(period_grain) = 'quarter', 153, 457)
              FROM standard_results WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), 457 FROM declared_indicators WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
    UNION ALL SELECT org, toDateTime64(max(period_end) + 1, 3, 'UTC'), 457 FROM costs WHERE toDateTime64(period_end, 3, 'UTC') < asof AND {{scope}} GROUP BY org
)
WHERE 1 {{filters(org)}}
GROUP BY period {{group}}
