{#- Patients per source by gender, age group and race (patient-level age group: age on the last START
    date of the data, or on the death date if earlier; EMR: age at the patient's latest visit).
    patient_share is the cell's share of the source's patients (sums to 1 per source). -#}

with patients as (
    select * from {{ ref('dim_patients') }}
),

cells as (
    select
        source_system,
        coalesce(gender, 'unknown') as gender,
        coalesce(age_group, 'unknown') as age_group,
        coalesce(race, 'unknown') as race,
        count(*) as patients,
        {{ count_if('is_deceased') }} as deceased_patients
    from patients
    group by 1, 2, 3, 4
),

totals as (
    select
        source_system,
        sum(patients) as source_patients
    from cells
    group by source_system
),

final as (
    select
        cells.source_system,
        cells.gender,
        cells.age_group,
        cells.race,
        {{ small_cell('cells.patients', ['cells.patients']) }} as patients,
        {{ small_cell('cells.deceased_patients', ['cells.deceased_patients']) }} as deceased_patients,
        cast(totals.source_patients as bigint) as source_patients,
        {{ small_cell(ratio('cells.patients', 'totals.source_patients'), ['cells.patients']) }} as patient_share,
        {{ small_cell_flag(['cells.patients', 'cells.deceased_patients']) }} as suppressed
    from cells
    inner join totals
        on cells.source_system = totals.source_system
)

select * from final
