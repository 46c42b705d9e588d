{#- Every raw row of the EMR visit extract, typed and repaired, with its row status.

    A visit is identified by (Patient ID, Visit Date). Repairs come first (trim, case-fold, known
    misspellings through the repair seeds, both date formats, float ages); then rows that share the key
    and agree on every repaired value are one visit (the later rows are duplicates, counted and dropped)
    and rows that share the key but disagree are a conflict, all quarantined. The extended columns
    (Readmission, Total Cost, ...) are null when the extract is the basic variant. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set spec = raw_contract()['emr']['visits'] -%}
{%- set raw_columns = spec.required + spec.optional -%}

with raw as {{ raw_cte_materialization('emr', 'visits') }} (
    {{ read_raw('emr', 'visits', loaded_into=this if is_incremental() else none) }}
),

-- the order of each file's year-last dates (DD-MM-YYYY or MM-DD-YYYY), decided from all its dates at once
date_orders as (
    select
        source_file,
        {{ date_order_of_file([adapter.quote('Visit Date'), adapter.quote('Discharge Date')]) }} as date_order
    from raw
    group by source_file
),

gender_map as (
    select * from {{ ref('gender_map') }}
),

department_map as (
    select * from {{ ref('emr_department_map') }}
),

insurance_map as (
    select * from {{ ref('emr_insurance_map') }}
),

typed as (
    select
        {{ raw_row_address('raw') }},
        {{ clean_text(adapter.quote('Patient ID')) }} as patient_id,
        {{ clean_text(adapter.quote('Age')) }} as age_text,
        {{ parse_number(adapter.quote('Age'), 'double') }} as age_parsed,
        {{ clean_text(adapter.quote('Gender')) }} as gender_text,
        {{ clean_text(adapter.quote('Race')) }} as race,
        upper({{ clean_text(adapter.quote('Primary Diagnosis')) }}) as primary_icd10_code,
        upper({{ clean_text(adapter.quote('Secondary Diagnosis 1')) }}) as secondary_icd10_code_1,
        upper({{ clean_text(adapter.quote('Secondary Diagnosis 2')) }}) as secondary_icd10_code_2,
        {{ clean_text(adapter.quote('Medication')) }} as medication,
        {{ clean_text(adapter.quote('Procedure Code')) }} as procedure_code,
        {{ clean_text(adapter.quote('Visit Date')) }} as visit_date_text,
        {{ parse_date(adapter.quote('Visit Date'), 'date_orders.date_order') }} as visit_date,
        {{ clean_text(adapter.quote('Discharge Date')) }} as discharge_date_text,
        {{ parse_date(adapter.quote('Discharge Date'), 'date_orders.date_order') }} as discharge_date_parsed,
        {{ clean_text(adapter.quote('Length of Stay')) }} as los_text,
        {{ parse_number(adapter.quote('Length of Stay'), 'double') }} as los_parsed,
        {{ clean_text(adapter.quote('Insurance Type')) }} as insurance_text,
        {{ clean_text(adapter.quote('Physician ID')) }} as physician_id,
        {{ clean_text(adapter.quote('Hospital Department')) }} as department_text,
        {{ clean_text(adapter.quote('Source System')) }} as emr_system,
        {{ clean_text(adapter.quote('Blood Pressure')) }} as blood_pressure_text,
        {{ clean_text(adapter.quote('Heart Rate')) }} as heart_rate_text,
        {{ parse_number(adapter.quote('Heart Rate'), 'double') }} as heart_rate_parsed,
        {{ clean_text(adapter.quote('Temperature')) }} as temperature_text,
        {{ parse_number(adapter.quote('Temperature'), 'double') }} as temperature_parsed,
        {{ clean_text(adapter.quote('Blood Glucose')) }} as glucose_text,
        {{ parse_number(adapter.quote('Blood Glucose'), 'double') }} as glucose_parsed,
        {{ clean_text(adapter.quote('Cholesterol')) }} as cholesterol_text,
        {{ parse_number(adapter.quote('Cholesterol'), 'double') }} as cholesterol_parsed,
        {{ clean_text(adapter.quote('Readmission')) }} as readmission_text,
        {{ clean_text(adapter.quote('Total Cost')) }} as total_cost_text,
        {{ parse_amount(adapter.quote('Total Cost')) }} as total_cost_parsed,
        {{ clean_text(adapter.quote('Patient Satisfaction Score')) }} as satisfaction_text,
        {{ parse_number(adapter.quote('Patient Satisfaction Score'), 'double') }} as satisfaction_parsed,
        lower({{ clean_text(adapter.quote('Surgery Performed')) }}) as surgery_text,
        {{ clean_text(adapter.quote('Surgery Level')) }} as surgery_level,
        {{ clean_text(adapter.quote('Insurance Coverage Percentage')) }} as coverage_text,
        {{ parse_number(adapter.quote('Insurance Coverage Percentage'), 'double') }} as coverage_parsed,
        {{ raw_columns_kept(raw_columns) }}
    from raw
    inner join date_orders
        on raw.source_file = date_orders.source_file
),

repaired as (
    select
        typed.*,
        gender_map.gender,
        department_map.department,
        insurance_map.payer_category,
        -- Age: floor of a float; outside 0-120 is not an age
        case when typed.age_parsed >= 0 and typed.age_parsed < 121 then cast(floor(typed.age_parsed) as integer) end as age_at_visit,
        case when typed.discharge_date_parsed >= typed.visit_date then typed.discharge_date_parsed end as discharge_date,
        case when typed.los_parsed >= 0 then cast(floor(typed.los_parsed) as integer) end as length_of_stay_days,
        -- Blood pressure `systolic/diastolic`, each 2-3 digits within physiological bounds
        case
            when {{ regex_match('typed.blood_pressure_text', '^[0-9]{2,3} */ *[0-9]{2,3}$') }}
                then cast(trim(split_part(typed.blood_pressure_text, '/', 1)) as integer)
        end as systolic_raw,
        case
            when {{ regex_match('typed.blood_pressure_text', '^[0-9]{2,3} */ *[0-9]{2,3}$') }}
                then cast(trim(split_part(typed.blood_pressure_text, '/', 2)) as integer)
        end as diastolic_raw,
        case when typed.heart_rate_parsed between 20 and 300 then typed.heart_rate_parsed end as heart_rate,
        case when typed.temperature_parsed between 80 and 115 then typed.temperature_parsed end as temperature_f,
        case when typed.glucose_parsed between 10 and 2000 then typed.glucose_parsed end as blood_glucose_mg_dl,
        case when typed.cholesterol_parsed between 50 and 1000 then typed.cholesterol_parsed end as cholesterol_mg_dl,
        case typed.readmission_text when '1' then true when '0' then false end as is_reported_readmission,
        case when typed.total_cost_parsed >= 0 then typed.total_cost_parsed end as total_cost,
        case
            when typed.satisfaction_parsed in (1, 2, 3, 4, 5) then cast(typed.satisfaction_parsed as integer)
        end as satisfaction_score,
        case typed.surgery_text when 'yes' then true when '1' then true when 'no' then false when '0' then false end
            as is_surgery_performed,
        case when typed.coverage_parsed between 0 and 100 then typed.coverage_parsed end as insurance_coverage_pct
    from typed
    left join gender_map
        on lower(typed.gender_text) = gender_map.source_value
    left join department_map
        on lower(typed.department_text) = department_map.source_value
    left join insurance_map
        on lower(typed.insurance_text) = insurance_map.source_value
),

checked as (
    select
        *,
        case when systolic_raw between 50 and 300 and diastolic_raw between 20 and 200 then systolic_raw end
            as systolic_bp,
        case when systolic_raw between 50 and 300 and diastolic_raw between 20 and 200 then diastolic_raw end
            as diastolic_bp,
        {{ issue_list([
            ('age_text is null', 'missing_age'),
            ('age_text is not null and age_at_visit is null', 'invalid_age'),
            ('age_parsed is not null and age_parsed <> floor(age_parsed)', 'fractional_age'),
            ("age_text like '%.%' and age_parsed = floor(age_parsed)", 'float_age_repaired'),
            ('gender_text is null', 'missing_gender'),
            ('gender_text is not null and gender is null', 'unrecognised_gender'),
            ("gender is not null and gender_text not in ('Male', 'Female', 'Other')", 'gender_repaired'),
            ('department_text is null', 'missing_department'),
            ('department_text is not null and department is null', 'unrecognised_department'),
            ("department is not null and department_text not in ('ER', 'Cardiology', 'Orthopedics', 'Pediatrics', 'Oncology')", 'department_repaired'),
            ('insurance_text is not null and payer_category is null', 'unrecognised_insurance_type'),
            ("payer_category is not null and insurance_text not in ('Private', 'Medicare', 'Medicaid', 'Uninsured')", 'insurance_type_repaired'),
            ('discharge_date_text is not null and discharge_date_parsed is null', 'unparseable_discharge_date'),
            ('discharge_date_parsed < visit_date', 'discharge_before_visit'),
            ('los_text is not null and length_of_stay_days is null', 'invalid_length_of_stay'),
            ('blood_pressure_text is not null and systolic_raw is null', 'unparseable_blood_pressure'),
            ('systolic_raw is not null and not (systolic_raw between 50 and 300 and diastolic_raw between 20 and 200)', 'implausible_blood_pressure'),
            ('heart_rate_text is not null and heart_rate is null', 'invalid_heart_rate'),
            ('temperature_text is not null and temperature_f is null', 'invalid_temperature'),
            ('glucose_text is not null and blood_glucose_mg_dl is null', 'invalid_blood_glucose'),
            ('cholesterol_text is not null and cholesterol_mg_dl is null', 'invalid_cholesterol'),
            ('readmission_text is not null and is_reported_readmission is null', 'invalid_readmission_flag'),
            ('total_cost_text is not null and total_cost_parsed is null', 'unparseable_total_cost'),
            ('total_cost_parsed < 0', 'negative_total_cost'),
            ('satisfaction_text is not null and satisfaction_score is null', 'invalid_satisfaction_score'),
            ('surgery_text is not null and is_surgery_performed is null', 'invalid_surgery_flag'),
            ('coverage_text is not null and insurance_coverage_pct is null', 'invalid_coverage_percentage'),
        ]) }} as data_issues
    from repaired
),

fingerprinted as (
    select
        checked.*,
        -- what two rows must agree on, after repairs, to be the same visit
        {{ row_fingerprint([
            'patient_id', 'age_at_visit', 'gender', 'race', 'primary_icd10_code', 'secondary_icd10_code_1',
            'secondary_icd10_code_2', 'medication', 'procedure_code', 'visit_date', 'discharge_date',
            'length_of_stay_days', 'payer_category', 'physician_id', 'department', 'emr_system', 'systolic_bp',
            'diastolic_bp', 'heart_rate', 'temperature_f', 'blood_glucose_mg_dl', 'cholesterol_mg_dl',
            'is_reported_readmission', 'total_cost', 'satisfaction_score', 'is_surgery_performed',
            'surgery_level', 'insurance_coverage_pct',
        ]) }} as row_fingerprint,
        md5({{ dbt.concat(['patient_id', "'|'", dbt.cast('visit_date', dbt.type_string())]) }}) as visit_id
    from checked
),

classified as (
    {{ row_status('fingerprinted', 'visit_id', across_files=true, rejections=[
        ('patient_id is null', 'missing_patient_id'),
        ('visit_date_text is null', 'missing_visit_date'),
        ('visit_date is null', 'unparseable_visit_date'),
        (is_future_start('visit_date'), 'future_visit_date'),
        ('has_conflicting_key', 'conflicting_duplicate'),
    ]) }}
),

final as (
    select
        'emr' as source_system,
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
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
