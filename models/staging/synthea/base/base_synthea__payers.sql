{#- Every raw row of payers.csv, typed, with its row status (clean, quarantined, duplicate). -#}
{%- set raw_columns = raw_contract()['synthea']['payers']['required'] -%}

with raw as {{ raw_cte_materialization('synthea', 'payers') }} (
    {{ read_raw('synthea', 'payers') }}
),

typed as (
    select
        {{ raw_row_address() }},
        {{ clean_text(adapter.quote('Id')) }} as payer_id,
        {{ clean_text(adapter.quote('NAME')) }} as payer_name,
        {{ clean_text(adapter.quote('ADDRESS')) }} as address,
        {{ clean_text(adapter.quote('CITY')) }} as city,
        {{ clean_text(adapter.quote('STATE_HEADQUARTERED')) }} as state_headquartered,
        {{ clean_text(adapter.quote('ZIP')) }} as zip_code,
        {{ clean_text(adapter.quote('PHONE')) }} as phone,
        cast(null as {{ dbt.type_string() }}) as data_issues,
        {{ raw_row_kept(raw_columns) }}
    from raw
),

classified as (
    {{ row_status('typed', 'payer_id', [
        ('payer_id is null', 'missing_payer_id'),
        ('has_conflicting_key', 'conflicting_duplicate_key'),
        ('payer_name is null', 'missing_payer_name'),
    ]) }}
),

final as (
    select
        'synthea' as source_system,
        source_file,
        source_row,
        payer_id,
        payer_name,
        address,
        city,
        state_headquartered,
        zip_code,
        phone,
        data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
