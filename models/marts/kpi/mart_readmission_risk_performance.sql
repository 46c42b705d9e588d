{#- How well LACE ranks the risk of a 30-day readmission, per source and discharge year: over the index
    stays eligible for the 30-day window that have a LACE score, the c-statistic (the area under the ROC
    curve of lace_score for is_readmitted_30d): the probability that a readmitted stay scores higher than a
    stay that was not, a tie counting one half (macro concordance). 0.5 is no better than chance, 1 a perfect
    ranking; null when the year has no readmitted or no other stay. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where lace_score is not null
        and is_index_eligible_30d
),

dated as (
    select
        source_system,
        cast(extract(year from discharge_date) as bigint) as discharge_year,
        lace_score,
        is_readmitted_30d
    from stays
),

years as (
    {{ concordance('dated', ['source_system', 'discharge_year'], 'lace_score', 'is_readmitted_30d') }}
),

final as (
    select
        source_system,
        discharge_year,
        {{ small_cell('cast(stays as bigint)', ['stays']) }} as index_stays,
        {{ small_cell('cast(with_outcome as bigint)', ['with_outcome']) }} as readmissions_30d,
        {{ small_cell(ratio('concordant_pairs', 'with_outcome * without_outcome'), ['stays', 'with_outcome']) }}
            as c_statistic,
        {{ small_cell_flag(['stays', 'with_outcome']) }} as suppressed
    from years
)

select * from final
