-- id: partner_sign_in
-- title_fr: Authentification par un partenaire
-- title_en: Partner sign-in
-- description_fr: Authentifications par une institution financière ou un partenaire d'identité ÷ authentifications (parcours commencés avec une authentification).
-- description_en: Sign-ins through a bank or partner identity provider ÷ sign-ins (journeys started with a sign-in).
-- unit: ratio
-- direction: higher
-- characteristics: 9, 12
-- dimensions: org, service, channel, region, client_type
-- sources: service_events
-- formula_version: 1.0
-- effective_from: 2018-05-01
-- rollup: rollup_events_daily
SELECT {{period(toDate(occurred_at, 'America/Toronto'))}} AS period {{dims}},
       countIf(sign_in IN ('bank', 'partner')) AS numerator, count() AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM service_events FINAL
WHERE type = 'started' AND sign_in != 'none' AND {{in_range(toDate(occurred_at, 'America/Toronto'))}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
-- @rollup
SELECT {{period(day)}} AS period {{dims}},
       sum(sign_ins_partner) AS numerator, sum(sign_ins) AS denominator, denominator AS n,
       if(denominator = 0, NULL, numerator / denominator) AS value
FROM rollup_events_daily
WHERE {{in_range(day)}} AND {{scope}} {{filters}}
GROUP BY period {{group}}
HAVING denominator > 0
