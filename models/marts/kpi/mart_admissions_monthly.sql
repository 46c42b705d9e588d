{#- Admissions and readmissions per source and month. Admissions count by the admission's start month;
    stays, index stays and readmissions by the stay's discharge month; acute revisits by the revisit's
    start month. The EMR extract has no visit history: its readmission columns are null, not zero. -#}

with encounters as (
    select * from {{ ref('fct_encounters') }}
),

stays as (
    select * from {{ ref('fct_stays') }}
),

admissions as (
    select
        source_system,
        start_month as month_start,
        count(*) as admissions
    from encounters
    where is_admission
    group by source_system, start_month
),

discharges as (
    select
        source_system,
        discharge_month as month_start,
        count(*) as stays_discharged,
        {{ count_if('is_index_eligible_30d') }} as index_stays_30d,
        {{ count_if('is_readmitted_30d') }} as readmissions_30d,
        {{ count_if('is_index_eligible_60d') }} as index_stays_60d,
        {{ count_if('is_readmitted_60d') }} as readmissions_60d
    from stays
    group by source_system, discharge_month
),

revisits as (
    select
        source_system,
        start_month as month_start,
        count(*) as acute_encounters,
        {{ count_if('is_acute_revisit') }} as acute_revisits_30d
    from encounters
    where is_acute_revisit is not null
    group by source_system, start_month
),

months as (
    select
        source_system,
        month_start
    from admissions
    union
    select
        source_system,
        month_start
    from discharges
    union
    select
        source_system,
        month_start
    from revisits
),

joined as (
    select
        months.source_system,
        months.month_start,
        coalesce(admissions.admissions, 0) as admissions,
        coalesce(discharges.stays_discharged, 0) as stays_discharged,
        -- derived readmissions need visit history: absent (null) for the EMR extract
        case when {{ has_visit_history('months.source_system') }} then coalesce(discharges.index_stays_30d, 0) end as index_stays_30d,
        case when {{ has_visit_history('months.source_system') }} then coalesce(discharges.readmissions_30d, 0) end as readmissions_30d,
        case when {{ has_visit_history('months.source_system') }} then coalesce(discharges.index_stays_60d, 0) end as index_stays_60d,
        case when {{ has_visit_history('months.source_system') }} then coalesce(discharges.readmissions_60d, 0) end as readmissions_60d,
        case when {{ has_visit_history('months.source_system') }} then coalesce(revisits.acute_encounters, 0) end as acute_encounters,
        case when {{ has_visit_history('months.source_system') }} then coalesce(revisits.acute_revisits_30d, 0) end as acute_revisits_30d
    from months
    left join admissions
        on months.source_system = admissions.source_system and months.month_start = admissions.month_start
    left join discharges
        on months.source_system = discharges.source_system and months.month_start = discharges.month_start
    left join revisits
        on months.source_system = revisits.source_system and months.month_start = revisits.month_start
),

final as (
    select
        source_system,
        month_start,
        {{ small_cell('admissions') }} as admissions,
        {{ small_cell('stays_discharged') }} as stays_discharged,
        {{ small_cell('index_stays_30d') }} as index_stays_30d,
        {{ small_cell('readmissions_30d') }} as readmissions_30d,
        {{ small_cell(ratio('readmissions_30d', 'index_stays_30d'), ['index_stays_30d', 'readmissions_30d']) }}
            as readmission_rate_30d,
        {{ small_cell('index_stays_60d') }} as index_stays_60d,
        {{ small_cell('readmissions_60d') }} as readmissions_60d,
        {{ small_cell(ratio('readmissions_60d', 'index_stays_60d'), ['index_stays_60d', 'readmissions_60d']) }}
            as readmission_rate_60d,
        {{ small_cell('acute_encounters') }} as acute_encounters,
        {{ small_cell('acute_revisits_30d') }} as acute_revisits_30d,
        {{ small_cell_flag(['admissions', 'stays_discharged', 'index_stays_30d', 'readmissions_30d', 'index_stays_60d',
                            'readmissions_60d', 'acute_encounters', 'acute_revisits_30d']) }} as suppressed
    from joined
)

select * from final
