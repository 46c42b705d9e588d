{#- The payers a FHIR export's claims name, in the columns of stg_synthea__payers: FHIR names a payer by the
    display of the claim's coverage (or the Coverage's payor), with no payers file: payer_id is the name,
    and the address columns are null. -#}
with claims as (
    select * from {{ ref('stg_fhir__claims') }}
    where payer_name is not null
),

final as (
    select
        'fhir' as source_system,
        min(source_file) as source_file,
        min(source_row) as source_row,
        payer_name as payer_id,
        payer_name,
        cast(null as {{ dbt.type_string() }}) as address,
        cast(null as {{ dbt.type_string() }}) as city,
        cast(null as {{ dbt.type_string() }}) as state_headquartered,
        cast(null as {{ dbt.type_string() }}) as zip_code,
        cast(null as {{ dbt.type_string() }}) as phone,
        cast(null as {{ dbt.type_string() }}) as data_issues,
        min(source_file_stamp) as source_file_stamp,
        min(loaded_at) as loaded_at
    from claims
    group by payer_name
)

select * from final
