{#- Every raw row of the Synthea export that staging rejected: which file and row, its key, why, and
    the raw row itself as JSON. Exact duplicates are not here (they are counted in the base models and
    in mart_data_quality). -#}
{%- set tables = [
    ('patients', 'patient_id'),
    ('encounters', 'encounter_id'),
    ('payers', 'payer_id'),
    ('organizations', 'organization_id'),
    ('procedures', 'procedure_id'),
    ('conditions', 'condition_id'),
    ('observations', 'observation_id'),
] -%}

with final as (
    {{ quarantined_rows('synthea', tables) }}
)

select * from final
