{#- Every raw row of procedures.csv, typed, with its row status (clean, quarantined, duplicate).

    procedures.csv has no Id. A procedure is identified by (PATIENT, ENCOUNTER, CODE, START):
    procedure_id is the md5 of those four raw values. Two rows identical in every column are one
    procedure recorded twice (a duplicate, counted and dropped); two rows that share the key but differ
    elsewhere are a conflict, both quarantined. Synthea times procedures to the second, so a procedure
    really done twice in one encounter has two START values and two keys. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['synthea']['procedures']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'procedures') }} (
    {{ read_raw('synthea', 'procedures', loaded_into=this if is_incremental() else none) }}
),

typed as {{ cte_not_materialized() }} (
    select
        {{ raw_row_address() }},
        {{ event_columns('procedure') }},
        {{ snomed_description(adapter.quote('DESCRIPTION')) }} as procedure_description_clean,
        {{ clean_text(adapter.quote('REASONCODE')) }} as reason_code,
        {{ clean_text(adapter.quote('REASONDESCRIPTION')) }} as reason_description,
        {{ parse_utc_timestamp(adapter.quote('START')) }} as start_at,
        {{ parse_utc_timestamp(adapter.quote('STOP')) }} as stop_at_parsed,
        {{ clean_text(adapter.quote('BASE_COST')) }} as base_cost_text,
        {{ parse_amount(adapter.quote('BASE_COST')) }} as base_cost_parsed,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

linked as {{ cte_not_materialized() }} (
    {{ link_to_clean_encounters('typed') }}
),

repaired as {{ cte_not_materialized() }} (
    select
        *,
        case when stop_at_parsed >= start_at then stop_at_parsed end as stop_at,
        case when base_cost_parsed >= 0 then base_cost_parsed end as base_cost,
        {{ issue_list([
            ('stop_at_parsed < start_at', 'stop_before_start'),
            ('base_cost_text is null', 'missing_base_cost'),
            ('base_cost_text is not null and base_cost_parsed is null', 'unparseable_base_cost'),
            ('base_cost_parsed < 0', 'negative_base_cost'),
        ]) }} as data_issues
    from linked
),

classified as (
    {{ row_status('repaired', 'procedure_id', group_from='typed', rejections=event_rejections('procedure', 'start_at')) }}
),

final as (
    select
        'synthea' as source_system,
        source_file,
        source_row,
        procedure_id,
        encounter_id,
        patient_id,
        procedure_code,
        procedure_description,
        procedure_description_clean,
        reason_code,
        reason_description,
        start_at,
        stop_at,
        base_cost,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
