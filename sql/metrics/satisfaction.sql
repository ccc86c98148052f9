-- id: satisfaction
-- title_fr: Satisfaction
-- title_en: Satisfaction
-- description_fr: Part des réponses 4 ou 5 sur 5 (valeur) ; aussi le score (moyenne − 1) ÷ 4 et la distribution des notes 1 à 5, toujours avec N.
-- description_en: Share of 4 or 5 out of 5 ratings (value); also the score (mean − 1) ÷ 4 and the distribution of ratings 1 to 5, always with N.
-- unit: ratio
-- direction: higher
-- characteristics: 3, 11, 14
-- dimensions: org, service, channel, region, client_type
-- sources: survey_responses
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_responses_daily
SELECT {{period(toDate(submitted_at, 'America/Toronto'))}} AS period {{dims}},
       countIf(satisfaction >= 4) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value,
       (avg(satisfaction) - 1) / 4 AS x_score,
       countIf(satisfaction = 1) AS x_rated_1, countIf(satisfaction = 2) AS x_rated_2, countIf(satisfaction = 3) AS x_rated_3,
       countIf(satisfaction = 4) AS x_rated_4, countIf(satisfaction = 5) AS x_rated_5
FROM survey_responses FINAL
WHERE satisfaction BETWEEN 1 AND 5 AND {{in_range(toDate(submitted_at, 'America/Toronto'))}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
-- @rollup
SELECT {{period(day)}} AS period {{dims}},
       sumIf(responses, satisfaction >= 4) AS numerator, sum(responses) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value,
       (sum(responses * satisfaction) / denominator - 1) / 4 AS x_score,
       sumIf(responses, satisfaction = 1) AS x_rated_1, sumIf(responses, satisfaction = 2) AS x_rated_2, sumIf(responses, satisfaction = 3) AS x_rated_3,
       sumIf(responses, satisfaction = 4) AS x_rated_4, sumIf(responses, satisfaction = 5) AS x_rated_5
FROM rollup_responses_daily
WHERE satisfaction BETWEEN 1 AND 5 AND {{in_range(day)}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
