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
        source_file,
        source_file_stamp,
        source_row,
        md5(concat_ws('|', {{ adapter.quote('PATIENT') }}, {{ adapter.quote('ENCOUNTER') }}, {{ adapter.quote('CODE') }}, {{ adapter.quote('START') }})) as condition_id,
        {{ clean_text(adapter.quote('PATIENT')) }} as patient_id,
        {{ clean_text(adapter.quote('ENCOUNTER')) }} as encounter_id,
        {{ clean_text(adapter.quote('CODE')) }} as condition_code,
        {{ clean_text(adapter.quote('DESCRIPTION')) }} as condition_description,
        {{ clean_text(adapter.quote('START')) }} as start_text,
        {{ parse_date(adapter.quote('START')) }} as start_date,
        {{ parse_date(adapter.quote('STOP')) }} as stop_date_parsed,
        {{ row_fingerprint(raw_columns, quote_names=true) }} as row_fingerprint,
        {{ raw_columns_kept(raw_columns) }}
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
    {{ row_status('repaired', 'condition_id', group_from='typed', rejections=[
        ('encounter_id is null', 'missing_encounter_id'),
        ('condition_code is null', 'missing_code'),
        ('has_conflicting_key', 'conflicting_duplicate_key'),
        ('start_text is null', 'missing_start'),
        ('start_date is null', 'unparseable_start'),
    ] + encounter_link_rejections()) }}
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
