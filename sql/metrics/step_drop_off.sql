-- id: step_drop_off
-- title_fr: Décrochage par étape
-- title_en: Step drop-off
-- description_fr: À l'étape k : 1 − parcours ayant atteint l'étape k+1 (ou complétés, après la dernière) ÷ parcours ayant atteint l'étape k. Parcours commencés il y a au moins W jours civils (Toronto) seulement ; une ligne par étape.
-- description_en: At step k: 1 − journeys reaching step k+1 (or completed, after the last) ÷ journeys reaching step k. Journeys started at least W calendar days ago (Toronto) only; one row per step.
-- unit: ratio
-- direction: lower
-- characteristics: 2, 14
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.2
-- effective_from: 2018-05-01
-- window_days: 30
-- rollup: rollup_journeys_daily
-- Journeys judged per start (metrics/shared-sql.ts): the rollup is built from the same fragment.
SELECT period {{group}}, step_index, any(step_name) AS step_name,
       sum(reached_next) AS numerator, sum(reached) AS denominator, denominator AS n,
       if(denominator = 0, NULL, 1 - numerator / denominator) AS value
FROM (
    SELECT {{period(day)}} AS period {{dims}}, k AS step_index, names[k] AS step_name,
           toUInt64(has(idx, k)) AS reached,
           toUInt64(has(idx, k) AND (has(idx, k + 1) OR (k = max_k AND done))) AS reached_next
    FROM ({{journeys}}) AS j
    INNER JOIN (
        SELECT org AS s_org, code AS s_service, length(steps) AS max_k, steps AS names FROM services FINAL WHERE length(steps) > 0
    ) AS s ON s.s_org = j.org AND s.s_service = j.service
    ARRAY JOIN range(1, max_k + 1) AS k
    WHERE day + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto') {{filters}}
)
GROUP BY period {{group}}, step_index
HAVING denominator > 0
-- @rollup
SELECT period {{group}}, step_index, any(step_name) AS step_name,
       sum(next) AS numerator, sum(reach) AS denominator, denominator AS n,
       if(denominator = 0, NULL, 1 - numerator / denominator) AS value
FROM (
    SELECT {{period(day)}} AS period {{dims}}, r.step_index AS step_index, names[r.step_index] AS step_name,
           reached AS reach, reached_next AS next
    FROM rollup_journeys_daily AS r FINAL
    INNER JOIN (
        SELECT org AS s_org, code AS s_service, steps AS names FROM services FINAL WHERE length(steps) > 0
    ) AS s ON s.s_org = r.org AND s.s_service = r.service
    WHERE r.step_index > 0 AND r.step_index <= length(names) AND {{in_range(day)}} AND {{scope}} {{filters}}
      AND day + toIntervalDay({window_days:UInt32}) <= toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto')
)
GROUP BY period {{group}}, step_index
HAVING denominator > 0
