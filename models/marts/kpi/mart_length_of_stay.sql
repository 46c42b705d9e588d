{#- Length of stay per source, discharge month and department (the admitting encounter's).
    alos_days = total_los_days / stays with a known LOS. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
),

cells as (
    select
        source_system,
        discharge_month as month_start,
        coalesce(department, 'unknown') as department,
        count(*) as stays,
        count(los_days) as stays_with_los,
        sum(los_days) as total_los_days
    from stays
    group by 1, 2, 3
),

final as (
    select
        source_system,
        month_start,
        department,
        {{ small_cell('stays') }} as stays,
        {{ small_cell('stays_with_los') }} as stays_with_los,
        {{ small_cell('cast(total_los_days as ' ~ type_double() ~ ')', ['stays_with_los']) }} as total_los_days,
        {{ small_cell(ratio('total_los_days', 'stays_with_los'), ['stays_with_los']) }} as alos_days,
        {{ small_cell_flag(['stays', 'stays_with_los']) }} as suppressed
    from cells
)

select * from final
