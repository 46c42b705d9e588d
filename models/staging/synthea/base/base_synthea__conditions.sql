{#- Every raw row of the optional conditions.csv, typed, with its row status. A condition is identified
    by (PATIENT, ENCOUNTER, CODE, START), hashed into condition_id; duplicates and conflicts are told
    apart as for procedures. An export without conditions.csv gives no rows. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['synthea']['conditions']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'conditions') }} (
    {{ read_raw('synthea', 'conditions', loaded_into=this if is_incremental() else none) }}
),

typed as {{ cte_not_materialized() }} (
    select
        {{ raw_row_address() }},
        {{ event_columns('condition') }},
        {{ parse_date(adapter.quote('START')) }} as start_date,
        {{ parse_date(adapter.quote('STOP')) }} as stop_date_parsed,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

linked as {{ cte_not_materialized() }} (
    {{ link_to_clean_encounters('typed') }}
),

repaired as {{ cte_not_materialized() }} (
    select
        *,
        case when stop_date_parsed >= start_date then stop_date_parsed end as stop_date,
        {{ issue_list([
            ('stop_date_parsed < start_date', 'stop_before_start'),
        ]) }} as data_issues
    from linked
),

classified as (
    {{ row_status('repaired', 'condition_id', group_from='typed', rejections=event_rejections('condition', 'start_date')) }}
),

final as (
    select
        'synthea' as source_system,
        source_file,
        source_row,
        condition_id,
        encounter_id,
        patient_id,
        condition_code,
        condition_description,
        start_date,
        stop_date,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
