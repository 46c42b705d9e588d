{#- One row per patient of either source: demographics only. No names, addresses, SSNs or other direct
    identifiers beyond the patient id (tests/pytest/test_marts_contract.py checks every mart column). -#}

with patients as (
    select * from {{ ref('int_patients_unioned') }}
),

final as (
    select
        source_system,
        patient_key,
        patient_id,
        gender,
        race,
        ethnicity,
        marital_status,
        age_group,
        cast(age_at_reference as bigint) as age_at_reference,
        birth_date,
        death_date,
        first_visit_date,
        last_visit_date,
        cast(visits as bigint) as visits,
        is_deceased
    from patients
)

select * from final
