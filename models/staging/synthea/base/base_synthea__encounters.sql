{#- Every raw row of encounters.csv, typed, with its row status (clean, quarantined, duplicate).
    The one join here checks that the encounter's patient exists among clean patients (orphan keys are
    quarantined in staging so that nothing downstream meets them). -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['synthea']['encounters']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'encounters') }} (
    {{ read_raw('synthea', 'encounters', loaded_into=this if is_incremental() else none) }}
),

patients as (
    select patient_id from {{ ref('base_synthea__patients') }}
    where row_status = 'clean'
),

typed as {{ cte_not_materialized() }} (
    select
        {{ raw_row_address() }},
        {{ clean_text(adapter.quote('Id')) }} as encounter_id,
        {{ clean_text(adapter.quote('PATIENT')) }} as patient_id,
        {{ clean_text(adapter.quote('ORGANIZATION')) }} as organization_id,
        {{ clean_text(adapter.quote('PAYER')) }} as payer_id,
        lower({{ clean_text(adapter.quote('ENCOUNTERCLASS')) }}) as encounter_class,
        {{ clean_text(adapter.quote('CODE')) }} as encounter_code,
        {{ clean_text(adapter.quote('DESCRIPTION')) }} as encounter_description,
        {{ snomed_description(adapter.quote('DESCRIPTION')) }} as encounter_description_clean,
        {{ clean_text(adapter.quote('REASONCODE')) }} as reason_code,
        {{ clean_text(adapter.quote('REASONDESCRIPTION')) }} as reason_description,
        {{ clean_text(adapter.quote('START')) }} as start_text,
        {{ parse_utc_timestamp(adapter.quote('START')) }} as start_at,
        {{ clean_text(adapter.quote('STOP')) }} as stop_text,
        {{ parse_utc_timestamp(adapter.quote('STOP')) }} as stop_at_parsed,
        {{ clean_text(adapter.quote('BASE_ENCOUNTER_COST')) }} as base_cost_text,
        {{ parse_amount(adapter.quote('BASE_ENCOUNTER_COST')) }} as base_cost_parsed,
        {{ clean_text(adapter.quote('TOTAL_CLAIM_COST')) }} as total_cost_text,
        {{ parse_amount(adapter.quote('TOTAL_CLAIM_COST')) }} as total_cost_parsed,
        {{ clean_text(adapter.quote('PAYER_COVERAGE')) }} as coverage_text,
        {{ parse_amount(adapter.quote('PAYER_COVERAGE')) }} as coverage_parsed,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

repaired as {{ cte_not_materialized() }} (
    select
        typed.*,
        {{ found_in(['typed.patient_id'], 'patients', ['patient_id']) }} as has_known_patient,
        case when typed.stop_at_parsed >= typed.start_at then typed.stop_at_parsed end as stop_at,
        case when typed.base_cost_parsed >= 0 then typed.base_cost_parsed end as base_encounter_cost,
        case when typed.total_cost_parsed >= 0 then typed.total_cost_parsed end as total_claim_cost,
        case when typed.coverage_parsed >= 0 then typed.coverage_parsed end as payer_coverage,
        {{ dbt.datediff('start_at', 'stop_at_parsed', 'day') }} > {{ var('long_encounter_days') }} as is_long_running,
        {{ issue_list([
            ('stop_text is null', 'missing_stop'),
            ('stop_text is not null and stop_at_parsed is null', 'unparseable_stop'),
            ('stop_at_parsed < start_at', 'stop_before_start'),
            ('total_cost_text is null', 'missing_total_claim_cost'),
            ('total_cost_text is not null and total_cost_parsed is null', 'unparseable_total_claim_cost'),
            ('total_cost_parsed < 0', 'negative_total_claim_cost'),
            ('base_cost_text is not null and base_cost_parsed is null', 'unparseable_base_encounter_cost'),
            ('base_cost_parsed < 0', 'negative_base_encounter_cost'),
            ('coverage_text is not null and coverage_parsed is null', 'unparseable_payer_coverage'),
            ('coverage_parsed < 0', 'negative_payer_coverage'),
            ('coverage_parsed > total_cost_parsed and total_cost_parsed >= 0', 'coverage_exceeds_cost'),
            (dbt.datediff('start_at', 'stop_at_parsed', 'day') ~ ' > ' ~ var('long_encounter_days'), 'long_running'),
        ]) }} as data_issues
    from typed
    {{ found_in_join(['typed.patient_id'], 'patients', ['patient_id']) }}
),

classified as (
    {{ row_status('repaired', 'encounter_id', group_from='typed', rejections=[
        ('encounter_id is null', 'missing_encounter_id'),
        ('has_conflicting_key', 'conflicting_duplicate_key'),
    ] + encounter_rejections()) }}
),

final as (
    select
        'synthea' as source_system,
        source_file,
        source_row,
        encounter_id,
        patient_id,
        organization_id,
        payer_id,
        encounter_class,
        encounter_code,
        encounter_description,
        encounter_description_clean,
        reason_code,
        reason_description,
        start_at,
        stop_at,
        base_encounter_cost,
        total_claim_cost,
        payer_coverage,
        coalesce(is_long_running, false) as is_long_running,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
