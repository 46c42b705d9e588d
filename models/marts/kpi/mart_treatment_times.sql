{#- Treatment time per source and encounter class: (STOP - START) in hours, mean and median, over visits
    with both times known. The EMR extract has dates only: no rows for it. -#}

with encounters as (
    select * from {{ ref('fct_encounters') }}
    where treatment_hours is not null
),

cells as (
    select
        source_system,
        encounter_class,
        count(*) as visits,
        sum(treatment_hours) as total_hours,
        {{ median('treatment_hours') }} as median_hours
    from encounters
    group by 1, 2
),

final as (
    select
        source_system,
        encounter_class,
        {{ small_cell('visits') }} as visits,
        {{ small_cell('cast(total_hours as ' ~ type_double() ~ ')', ['visits']) }} as total_hours,
        {{ small_cell(ratio('total_hours', 'visits'), ['visits']) }} as mean_hours,
        {{ small_cell('median_hours', ['visits']) }} as median_hours,
        {{ small_cell_flag(['visits']) }} as suppressed
    from cells
)

select * from final
