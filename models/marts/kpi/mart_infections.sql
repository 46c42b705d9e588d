{#- Hospital-acquired infections per source and discharge month: stays with an infection diagnosis
    (seed infection_codes) whose onset is on day 3 or later of the stay, per 1,000 patient-days
    (patient-days = the stays' LOS in days). Needs the optional conditions file: a source without one
    (has_hai null; the EMR extract never has one) has no rows. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where has_hai is not null
),

cells as (
    select
        stays.source_system,
        stays.discharge_month as month_start,
        count(*) as stays,
        sum(stays.los_days) as patient_days,
        {{ count_if('stays.has_hai') }} as hai_stays
    from stays
    group by 1, 2
),

final as (
    select
        source_system,
        month_start,
        {{ small_cell('stays') }} as stays,
        {{ small_cell('cast(patient_days as ' ~ type_double() ~ ')', ['stays']) }} as patient_days,
        {{ small_cell('hai_stays') }} as hai_stays,
        {{ small_cell('1000 * ' ~ ratio('hai_stays', 'patient_days'), ['stays', 'hai_stays']) }} as hai_per_1000_patient_days,
        {{ small_cell_flag(['stays', 'hai_stays']) }} as suppressed
    from cells
)

select * from final
