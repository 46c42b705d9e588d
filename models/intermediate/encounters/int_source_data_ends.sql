{#- One row per source: the last START date in its data. Readmission windows must end on or before it,
    a patient's age group is taken on it, and the high-risk lookback ends on it. -#}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

final as (
    select
        source_system,
        max(start_date) as data_end_date
    from encounters
    group by source_system
)

select * from final
