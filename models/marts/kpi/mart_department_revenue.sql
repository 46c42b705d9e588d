{#- Revenue per patient by department and age group (at the visit): revenue = sum of TOTAL_CLAIM_COST
    (EMR: Total Cost) over the cell's visits; revenue_per_patient = revenue / distinct patients in the
    cell. -#}

with encounters as (
    select * from {{ ref('fct_encounters') }}
),

cells as (
    select
        source_system,
        coalesce(department, 'unknown') as department,
        coalesce(age_group, 'unknown') as age_group,
        count(*) as visits,
        count(distinct patient_id) as patients,
        sum(total_claim_cost) as revenue
    from encounters
    group by 1, 2, 3
),

final as (
    select
        source_system,
        department,
        age_group,
        {{ small_cell('visits') }} as visits,
        {{ small_cell('patients') }} as patients,
        {{ small_cell(money('revenue'), ['patients']) }} as revenue,
        {{ small_cell(ratio('revenue', 'patients'), ['patients']) }} as revenue_per_patient,
        {{ small_cell_flag(['visits', 'patients']) }} as suppressed
    from cells
)

select * from final
