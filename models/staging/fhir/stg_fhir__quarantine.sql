{#- Every raw row of the FHIR export that staging rejected: which file and row, its key, why, and the raw row
    itself (the resource's text) as JSON. A row is rejected once, by the model of its file's type: as a line
    or resource (not JSON, no type, another type than its file, no id, a conflicting id:
    fhir_resource_rejections), or by its type's rules (an orphan, a missing date, ...). Exact duplicates are
    not here (they are counted in the base models and in mart_data_quality). -#}
{%- set tables = [
    ('patients', 'patient_id'),
    ('organizations', 'organization_id'),
    ('encounters', 'encounter_id'),
    ('conditions', 'condition_id'),
    ('procedures', 'procedure_id'),
    ('observations', 'observation_id'),
    ('claims', 'claim_id'),
    ('coverages', 'coverage_id'),
] -%}

with final as (
    {{ quarantined_rows('fhir', tables) }}
)

select * from final
