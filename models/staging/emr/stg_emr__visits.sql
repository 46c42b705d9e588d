{#- The clean rows of base_emr__visits (see its description in the yml): every column but the row-status bookkeeping
    (row_fingerprint, row_status, rejection_reason, raw_record). -#}
with base as (
    select * from {{ ref('base_emr__visits') }}
),

final as (
    select
        source_system,
        source_file,
        source_row,
        visit_id,
        patient_id,
        age_at_visit,
        gender,
        race,
        primary_icd10_code,
        secondary_icd10_code_1,
        secondary_icd10_code_2,
        medication,
        procedure_code,
        physician_id,
        department,
        payer_category,
        emr_system,
        surgery_level,
        visit_date,
        discharge_date,
        length_of_stay_days,
        total_cost,
        insurance_coverage_pct,
        satisfaction_score,
        systolic_bp,
        diastolic_bp,
        heart_rate,
        temperature_f,
        blood_glucose_mg_dl,
        cholesterol_mg_dl,
        is_reported_readmission,
        is_surgery_performed,
        data_issues,
        source_file_stamp,
        loaded_at
    from base
    where row_status = 'clean'
)

select * from final
