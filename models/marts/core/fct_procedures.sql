{#- One row per procedure. Synthea: procedures.csv. EMR: the visit's Procedure Code (CPT), one per visit,
    with no base cost in the extract. A procedure is covered when its encounter is a covered visit. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert', unique_key=['source_system', 'encounter_id'], on_schema_change='fail') }}

with procedures as (
    {{ batch_rows(ref('int_history_procedures')) }}
),

encounters as (
    select * from {{ ref('int_encounters_unioned') }}
    {{ in_batch_scope('encounter') }}
),

history_procedures as (
    select
        procedures.source_system,
        procedures.procedure_id,
        procedures.encounter_id,
        procedures.patient_id,
        procedures.procedure_code,
        procedures.procedure_description_clean as procedure_description,
        'SNOMED-CT' as code_system,
        procedures.start_at,
        procedures.base_cost
    from procedures
),

emr_procedures as (
    select
        source_system,
        {{ dbt.hash(dbt.concat(['encounter_id', "'|'", 'encounter_code'])) }} as procedure_id,
        encounter_id,
        patient_id,
        encounter_code as procedure_code,
        cast(null as {{ dbt.type_string() }}) as procedure_description,
        'CPT' as code_system,
        start_at,
        cast(null as decimal(18, 2)) as base_cost
    from encounters
    where source_system = 'emr'
        and encounter_code is not null
),

unioned as (
    select * from history_procedures
    union all
    select * from emr_procedures
),

final as (
    select
        unioned.source_system,
        unioned.procedure_id,
        unioned.encounter_id,
        unioned.patient_id,
        {{ dbt.concat(['unioned.source_system', "':'", 'unioned.patient_id']) }} as patient_key,
        unioned.procedure_code,
        unioned.procedure_description,
        unioned.code_system,
        encounters.payer_id,
        encounters.payer_category,
        encounters.department,
        unioned.start_at,
        {{ dbt.cast('unioned.start_at', 'date') }} as start_date,
        cast(extract(year from unioned.start_at) as bigint) as start_year,
        {{ money('unioned.base_cost') }} as base_cost,
        encounters.is_covered,
        {{ run_loaded_at() }} as refreshed_at
    from unioned
    inner join encounters
        on unioned.source_system = encounters.source_system
            and unioned.encounter_id = encounters.encounter_id
)

select * from final
