{#- One row per source: the first and the last START date in its data. Readmission windows must end on
    or before the last, a patient's age group is taken on it, and the high-risk lookback ends on it. A
    calendar month or year is complete in a source when its data runs from the period's first day to its
    last (macro covers_period): a partial month is never an executive's headline. -#}

with encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

final as (
    select
        source_system,
        min(start_date) as data_start_date,
        max(start_date) as data_end_date
    from encounters
    group by source_system
)

select * from final
