-- mart_data_quality: for every raw file, raw rows = clean + quarantined + duplicates, and the clean rows
-- equal the rows of the staging views.
with per_file as (
    select
        source_system,
        raw_table,
        sum(raw_rows) as raw_rows,
        sum(clean_rows) as clean_rows,
        sum(quarantined_rows) as quarantined_rows,
        sum(duplicate_rows) as duplicate_rows
    from {{ ref('mart_data_quality') }}
    group by source_system, raw_table
),

staging as (
    select
        'synthea' as source_system,
        'encounters' as raw_table,
        count(*) as clean_rows
    from {{ ref('stg_synthea__encounters') }}
    union all
    select
        'synthea' as source_system,
        'patients' as raw_table,
        count(*) as clean_rows
    from {{ ref('stg_synthea__patients') }}
    union all
    select
        'synthea' as source_system,
        'procedures' as raw_table,
        count(*) as clean_rows
    from {{ ref('stg_synthea__procedures') }}
    union all
    select
        'emr' as source_system,
        'visits' as raw_table,
        count(*) as clean_rows
    from {{ ref('stg_emr__visits') }}
)

select
    per_file.*,
    staging.clean_rows as staging_rows
from per_file
left join staging
    on per_file.source_system = staging.source_system
        and per_file.raw_table = staging.raw_table
where per_file.raw_rows <> per_file.clean_rows + per_file.quarantined_rows + per_file.duplicate_rows
    or (staging.clean_rows is not null and staging.clean_rows <> per_file.clean_rows)
