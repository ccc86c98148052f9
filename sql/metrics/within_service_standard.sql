-- id: within_service_standard
-- title_fr: Respect des normes de service
-- title_en: Within service standard
-- description_fr: Demandes traitées dans le délai de la norme ÷ demandes jugeables (décidées, ou en attente au-delà de la norme). Jours ouvrables selon les jours fériés du Québec quand la norme l'indique. Dossiers d'abord ; résultats déclarés pour un service et une période sans dossiers. Période de réception.
-- description_en: Requests decided within the standard ÷ requests that can be judged (decided, or pending beyond the standard). Working days follow Québec's statutory holidays when the standard says so. Cases first; declared results for a service and period without cases. Period of receipt.
-- unit: ratio
-- direction: higher
-- characteristics: 14, 2
-- dimensions: org, service, channel
-- sources: cases, standard_results
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_cases_daily
WITH cs AS (
    SELECT {{period(rday)}} AS p, org, service {{dims(org, service, channel)}},
           countIf(met) AS num, count() AS den
    FROM (
        SELECT org, service, channel, toDate(received_at, 'America/Toronto') AS rday,
               decided_at IS NOT NULL AS decided,
               if(decided, toDate(assumeNotNull(decided_at), 'America/Toronto'), toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto')) AS eday,
               if(working_days,
                  arrayCount(d -> toDayOfWeek(d) <= 5 AND NOT has({holidays:Array(Date)}, d),
                             arrayMap(i -> addDays(rday, i + 1), range(toUInt32(greatest(0, dateDiff('day', rday, eday)))))),
                  greatest(0, dateDiff('day', rday, eday))) AS elapsed,
               decided AND elapsed <= standard_days AS met,
               decided OR elapsed > standard_days AS judged
        FROM cases FINAL
        WHERE standard_days > 0 AND {{in_range(toDate(received_at, 'America/Toronto'))}} AND {{scope}} {{filters(org, service, channel)}}
    )
    WHERE judged
    GROUP BY p, org, service {{group}}
),
declared AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service, channel)}}, sum(met) AS num, sum(total) AS den
    FROM standard_results FINAL
    WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, org, service {{group}}
)
SELECT p AS period {{group}},
       sum(num) AS numerator, sum(den) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM cs UNION ALL SELECT *, 0 AS from_events FROM declared)
)
WHERE from_events = 1 OR has_events = 0
GROUP BY period {{group}}
-- @rollup
WITH cs AS (
    SELECT {{period(day)}} AS p, org, service {{dims(org, service, channel)}},
           sum(decided_met) AS num, sum(decided) + sum(if(late, pending, 0)) AS den
    FROM (
        SELECT *,
               pending > 0 AND if(working_days,
                  arrayCount(d -> toDayOfWeek(d) <= 5 AND NOT has({holidays:Array(Date)}, d),
                             arrayMap(i -> addDays(day, i + 1), range(toUInt32(greatest(0, dateDiff('day', day, toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto'))))))),
                  greatest(0, dateDiff('day', day, toDate({now:DateTime64(3, 'UTC')}, 'America/Toronto')))) > standard_days AS late
        FROM rollup_cases_daily FINAL
        WHERE {{in_range(day)}} AND {{scope}} {{filters(org, service, channel)}}
    )
    GROUP BY p, org, service {{group}}
    HAVING den > 0
),
declared AS (
    SELECT {{period(period_start)}} AS p, org, service {{dims(org, service, channel)}}, sum(met) AS num, sum(total) AS den
    FROM standard_results FINAL
    WHERE {{declared_range}} AND {{scope}} {{filters(org, service, channel)}}
    GROUP BY p, org, service {{group}}
)
SELECT p AS period {{group}},
       sum(num) AS numerator, sum(den) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM (
    -- Events first: a declared row counts only for a service and period without events (one pass over each source).
    SELECT *, max(from_events) OVER (PARTITION BY p, org, service) AS has_events
    FROM (SELECT *, 1 AS from_events FROM cs UNION ALL SELECT *, 0 AS from_events FROM declared)
)
WHERE from_events = 1 OR has_events = 0
GROUP BY period {{group}}
