{#- Mortality per source and discharge month. In-hospital mortality = stays whose patient died within the
    stay (admission date..discharge date) / stays. 30-day mortality = stays discharged alive whose patient
    died 1..30 days after the discharge date / stays discharged alive. The EMR extract has no death
    dates (died_in_stay is null): no rows for it. -#}

with stays as (
    select * from {{ ref('fct_stays') }}
    where died_in_stay is not null
),

cells as (
    select
        source_system,
        discharge_month as month_start,
        count(*) as stays,
        {{ count_if('died_in_stay') }} as in_hospital_deaths,
        {{ count_if('is_discharged_alive') }} as discharged_alive,
        {{ count_if('is_discharged_alive and died_within_30d_of_discharge') }} as deaths_30d
    from stays
    group by 1, 2
),

final as (
    select
        source_system,
        month_start,
        {{ small_cell('stays') }} as stays,
        {{ small_cell('in_hospital_deaths') }} as in_hospital_deaths,
        {{ small_cell(ratio('in_hospital_deaths', 'stays'), ['stays', 'in_hospital_deaths']) }} as in_hospital_mortality_rate,
        {{ small_cell('discharged_alive') }} as discharged_alive,
        {{ small_cell('deaths_30d') }} as deaths_30d,
        {{ small_cell(ratio('deaths_30d', 'discharged_alive'), ['discharged_alive', 'deaths_30d']) }} as mortality_rate_30d,
        {{ small_cell_flag(['stays', 'in_hospital_deaths', 'discharged_alive', 'deaths_30d']) }} as suppressed
    from cells
)

select * from final
