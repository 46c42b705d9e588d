{#- The clean rows of base_synthea__patients (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_synthea__patients') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        patient_id,
        gender,
        race,
        ethnicity,
        marital_status,
        name_prefix,
        first_name,
        last_name,
        name_suffix,
        maiden_name,
        birthplace,
        address,
        city,
        state,
        county,
        zip_code,
        latitude,
        longitude,
        birth_date,
        death_date,
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
