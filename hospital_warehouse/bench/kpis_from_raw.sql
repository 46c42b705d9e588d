-- The headline KPIs computed by one hand-written DuckDB SQL script straight from the raw Synthea files,
-- as an analyst without the warehouse would write it (the benchmark times it against the marts).
-- Same definitions (docs/definitions.md) and cleaning rules (docs/data_contract.md), written independently
-- of the dbt models. Placeholders filled by run_benchmark.py: {patients}, {encounters}, {procedures},
-- {payers} (table functions reading the raw files as text), {seeds} (the reference seed folder).

create or replace temp table planned_codes as
select code from read_csv('{seeds}/planned_readmission_codes.csv', all_varchar = true);

create or replace temp table snomed_map as
select snomed_code, icd10_code from read_csv('{seeds}/snomed_to_icd10.csv', all_varchar = true);

create or replace temp table gender_map as
select source_value, gender as canonical_gender from read_csv('{repairs}/gender_map.csv', all_varchar = true);

create or replace temp table patients as
with raw as (select distinct * from {patients}),
keyed as (
    select *, count(*) over (partition by "Id") as copies
    from raw
    where nullif(trim("Id"), '') is not null
)
select
    keyed."Id" as patient_id,
    gender_map.canonical_gender as gender,
    cast(try_strptime(nullif(trim("DEATHDATE"), ''), '%Y-%m-%d') as date) as death_date
from keyed
left join gender_map on lower(trim(keyed."GENDER")) = gender_map.source_value
where copies = 1;

create or replace temp table encounters as
with raw as (select distinct * from {encounters}),
keyed as (
    select *, count(*) over (partition by "Id") as copies,
        try_strptime(nullif(trim("START"), ''), '%Y-%m-%dT%H:%M:%SZ') as start_at,
        try_strptime(nullif(trim("STOP"), ''), '%Y-%m-%dT%H:%M:%SZ') as stop_parsed,
        try_cast(nullif(trim("TOTAL_CLAIM_COST"), '') as decimal(18, 2)) as total_parsed,
        try_cast(nullif(trim("PAYER_COVERAGE"), '') as decimal(18, 2)) as coverage_parsed
    from raw
    where nullif(trim("Id"), '') is not null
)
select
    "Id" as encounter_id,
    "PATIENT" as patient_id,
    "ENCOUNTERCLASS" as encounter_class,
    nullif(trim("CODE"), '') as encounter_code,
    nullif(trim("REASONCODE"), '') as reason_code,
    start_at,
    case when stop_parsed >= start_at then stop_parsed end as stop_at,
    case when total_parsed >= 0 then total_parsed end as total_claim_cost,
    case when coverage_parsed >= 0 then coverage_parsed end as payer_coverage
from keyed
where copies = 1
    and start_at is not null
    and "PATIENT" in (select patient_id from patients);

create or replace temp table procedures as
with raw as (select distinct * from {procedures}),
keyed as (
    select *, count(*) over (partition by "PATIENT", "ENCOUNTER", "CODE", "START") as copies
    from raw
)
select keyed."ENCOUNTER" as encounter_id, keyed."CODE" as procedure_code
from keyed
join encounters on keyed."ENCOUNTER" = encounters.encounter_id and keyed."PATIENT" = encounters.patient_id
where copies = 1
    and nullif(trim(keyed."ENCOUNTER"), '') is not null
    and nullif(trim(keyed."CODE"), '') is not null
    and try_strptime(nullif(trim(keyed."START"), ''), '%Y-%m-%dT%H:%M:%SZ') is not null;

-- stays: admissions chained when one starts within 6 hours of the latest STOP so far
create or replace temp table stays as
with admissions as (
    select *, coalesce(stop_at, start_at) as effective_stop
    from encounters
    where encounter_class = 'inpatient'
),
chained as (
    select *,
        max(effective_stop) over (partition by patient_id order by start_at, encounter_id
                                  rows between unbounded preceding and 1 preceding) as latest_before
    from admissions
),
numbered as (
    select *,
        sum(case when latest_before is null or start_at > latest_before + interval 6 hour then 1 else 0 end)
            over (partition by patient_id order by start_at, encounter_id rows unbounded preceding) as stay_number
    from chained
),
planned_procedures as (
    select distinct encounter_id from procedures where procedure_code in (select code from planned_codes)
),
stay_rows as (
    select
        patient_id,
        stay_number,
        arg_min(encounter_id, (start_at, encounter_id)) as admitting_id,
        arg_min(encounter_code, (start_at, encounter_id)) as admitting_code,
        arg_min(reason_code, (start_at, encounter_id)) as admitting_reason,
        min(start_at) as admit_at,
        max(effective_stop) as discharge_at,
        bool_or(encounter_id in (select encounter_id from planned_procedures)) as has_planned_procedure
    from numbered
    group by patient_id, stay_number
)
select
    stay_rows.*,
    coalesce(admitting_code in (select code from planned_codes), false)
        or coalesce(admitting_reason in (select code from planned_codes), false)
        or has_planned_procedure as is_planned,
    cast(discharge_at as date) as discharge_date,
    epoch(discharge_at - admit_at) / 86400.0 as los_days,
    patients.death_date
from stay_rows
join patients using (patient_id);

create or replace temp table windows as
with ordered as (
    select *,
        lead(cast(admit_at as date)) over (partition by patient_id order by admit_at, admitting_id) as next_admit_date,
        lead(is_planned) over (partition by patient_id order by admit_at, admitting_id) as next_is_planned
    from stays
),
data_end as (select max(cast(start_at as date)) as last_date from encounters)
select
    ordered.*,
    coalesce(snomed_map.icd10_code, case when admitting_reason is not null then 'unmapped' else 'none' end) as diagnosis,
    (death_date is null or death_date > discharge_date) and discharge_date + 30 <= last_date as eligible_30,
    (death_date is null or death_date > discharge_date) and discharge_date + 60 <= last_date as eligible_60,
    date_diff('day', discharge_date, next_admit_date) as days_to_next
from ordered
cross join data_end
left join snomed_map on ordered.admitting_reason = snomed_map.snomed_code;

-- the figures, one row each: name, value (JSON text)
create or replace temp table figures as
select 'visits' as name, cast(count(*) as varchar) as value from encounters
union all
select 'avg_cost_per_visit', cast(avg(cast(total_claim_cost as double)) as varchar) from encounters
union all
select 'gender_counts', cast(to_json(map(list(gender), list(n))) as varchar)
from (select gender, count(*) as n from patients group by gender order by gender)
union all
select 'covered_procedure_share',
    cast(avg(case when encounters.payer_coverage > 0 then 1.0 else 0.0 end) as varchar)
from procedures join encounters using (encounter_id)
union all
select 'alos_days', cast(avg(los_days) as varchar) from stays
union all
select 'index_stays_30d', cast(count(*) filter (where eligible_30) as varchar) from windows
union all
select 'readmissions_30d',
    cast(count(*) filter (where eligible_30 and days_to_next between 0 and 30 and not next_is_planned) as varchar) from windows
union all
select 'index_stays_60d', cast(count(*) filter (where eligible_60) as varchar) from windows
union all
select 'readmissions_60d',
    cast(count(*) filter (where eligible_60 and days_to_next between 0 and 60 and not next_is_planned) as varchar) from windows
union all
select 'readmissions_by_diagnosis', cast(to_json(map(list(diagnosis), list(counts))) as varchar)
from (
    select diagnosis, [
        count(*) filter (where eligible_30),
        count(*) filter (where eligible_30 and days_to_next between 0 and 30 and not next_is_planned),
        count(*) filter (where eligible_60),
        count(*) filter (where eligible_60 and days_to_next between 0 and 60 and not next_is_planned)] as counts
    from windows
    group by diagnosis
);
