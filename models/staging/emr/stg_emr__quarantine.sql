{#- Every raw row of the EMR extract that staging rejected: which file and row, its key
    (Patient ID|Visit Date as written), why, and the raw row itself as JSON. Exact and repaired
    duplicates are not here (they are counted in base_emr__visits and in mart_data_quality). -#}

with visits as (
    select * from {{ ref('base_emr__visits') }}
),

final as (
    select
        source_system,
        'visits' as raw_table,
        source_file,
        source_file_stamp,
        source_row,
        loaded_at,
        coalesce(patient_id, '') || '|' || coalesce(cast(visit_date as {{ dbt.type_string() }}), '') as record_key,
        rejection_reason,
        raw_record
    from visits
    where row_status = 'quarantined'
)

select * from final
