{#- The clean rows of base_fhir__organizations (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_fhir__organizations') }}
),

final as (
    select
        {{ clean_row_columns(ref('base_fhir__organizations')) }}
    from base
    where row_status = 'clean'
)

-- final's columns are the base model's, read from it when it is built (the linter sees none)
select * from final  -- noqa: AM04
