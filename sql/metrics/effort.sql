-- id: effort
-- title_fr: Effort perçu
-- title_en: Perceived effort
-- description_fr: Effort moyen déclaré sur 7 (1 = très facile, 7 = très difficile) ; aussi la part « facile » (1 à 3). Réponses sans note d'effort exclues.
-- description_en: Mean reported effort out of 7 (1 = very easy, 7 = very hard); also the share "easy" (1 to 3). Responses without an effort rating left out.
-- unit: score
-- direction: lower
-- characteristics: 2, 3
-- dimensions: org, service, channel, region, client_type
-- sources: survey_responses
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_responses_daily
SELECT {{period(toDate(submitted_at, 'America/Toronto'))}} AS period {{dims}},
       sum(assumeNotNull(effort)) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value,
       if(denominator = 0, NULL, countIf(effort <= 3) / denominator) AS x_easy_share
FROM survey_responses FINAL
WHERE effort BETWEEN 1 AND 7 AND {{in_range(toDate(submitted_at, 'America/Toronto'))}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
-- @rollup
SELECT {{period(day)}} AS period {{dims}},
       sum(responses * effort) AS numerator, sum(responses) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value,
       if(denominator = 0, NULL, sumIf(responses, effort <= 3) / denominator) AS x_easy_share
FROM rollup_responses_daily
WHERE effort BETWEEN 1 AND 7 AND {{in_range(day)}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
