-- id: availability
-- title_fr: Disponibilité
-- title_en: Availability
-- description_fr: 1 − temps d'indisponibilité ÷ temps observé, d'après les sondes (chaque sonde vaut son intervalle) ; aussi le 95e centile du temps de réponse (ms).
-- description_en: 1 − downtime ÷ observed time, from probes (each probe stands for its interval); also the 95th percentile response time (ms).
-- unit: ratio
-- direction: higher
-- characteristics: 12
-- dimensions: org, service
-- sources: availability_probes
-- formula_version: 1.0
-- effective_from: 2023-01-01
-- small_counts: show
SELECT {{period(toDate(probed_at, 'America/Toronto'))}} AS period {{dims}},
       sumIf(interval_s, up) AS numerator, sum(interval_s) AS denominator, count() AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value,
       quantileExactInclusive(0.95)(response_ms) AS x_p95_ms
FROM availability_probes FINAL
WHERE {{in_range(toDate(probed_at, 'America/Toronto'))}} AND {{scope}} {{filters(org, service)}}
GROUP BY period {{group}}
