{#- How well LACE ranks the risk of a 30-day readmission, per source and discharge year: over the index
    stays eligible for the 30-day window that have a LACE score, the c-statistic (the area under the ROC
    curve of lace_score for is_readmitted_30d): the probability that a readmitted stay scores higher than a
    stay that was not, a tie counting one half. 0.5 is no better than chance, 1 a perfect ranking; null
    when the year has no readmitted or no other stay. Computed from the counts per score: each readmitted
    stay beats the non-readmitted stays of lower scores and ties with those of its own score. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where lace_score is not null
        and is_index_eligible_30d
),

scores as (
    select
        source_system,
        cast(extract(year from discharge_date) as bigint) as discharge_year,
        lace_score,
        {{ count_if('is_readmitted_30d') }} as readmitted,
        {{ count_if('not is_readmitted_30d') }} as not_readmitted
    from stays
    group by 1, 2, 3
),

ranked as (
    select
        *,
        coalesce(sum(not_readmitted) over (
            partition by source_system, discharge_year order by lace_score
            rows between unbounded preceding and 1 preceding
        ), 0) as not_readmitted_below
    from scores
),

years as (
    select
        source_system,
        discharge_year,
        sum(readmitted + not_readmitted) as index_stays,
        sum(readmitted) as readmissions_30d,
        sum(not_readmitted) as not_readmitted,
        sum(readmitted * (not_readmitted_below + 0.5 * not_readmitted)) as concordant_pairs
    from ranked
    group by 1, 2
),

final as (
    select
        source_system,
        discharge_year,
        {{ small_cell('cast(index_stays as bigint)', ['index_stays']) }} as index_stays,
        {{ small_cell('cast(readmissions_30d as bigint)', ['readmissions_30d']) }} as readmissions_30d,
        {{ small_cell(ratio('concordant_pairs', 'readmissions_30d * not_readmitted'),
                      ['index_stays', 'readmissions_30d']) }} as c_statistic,
        {{ small_cell_flag(['index_stays', 'readmissions_30d']) }} as suppressed
    from years
)

select * from final
