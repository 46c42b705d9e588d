{#- 30-day readmissions by LACE risk band, per source and discharge month: index stays eligible for the
    30-day window that have a LACE score (fct_stays.lace_band: low 0-4, moderate 5-9, high 10 or more), the
    readmitted ones and their rate. The EMR extract has no LACE score (and no derived readmissions): no rows
    for it. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where lace_band is not null
        and is_index_eligible_30d
),

cells as (
    select
        source_system,
        lace_band,
        discharge_month,
        count(*) as index_stays,
        {{ count_if('is_readmitted_30d') }} as readmissions_30d
    from stays
    group by 1, 2, 3
),

final as (
    select
        source_system,
        lace_band,
        discharge_month,
        {{ small_cell('index_stays') }} as index_stays,
        {{ small_cell('readmissions_30d') }} as readmissions_30d,
        {{ small_cell(ratio('readmissions_30d', 'index_stays'), ['index_stays', 'readmissions_30d']) }}
            as readmission_rate_30d,
        {{ small_cell_flag(['index_stays', 'readmissions_30d']) }} as suppressed
    from cells
)

select * from final
