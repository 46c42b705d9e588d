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

with
{% for entity, key in tables %}
{{ entity }} as (
    select
        source_system,
        '{{ entity }}' as raw_table,
        source_file,
        source_file_stamp,
        source_row,
        loaded_at,
        {{ key }} as record_key,
        rejection_reason,
        raw_record
    from {{ ref('base_synthea__' ~ entity) }}
    where row_status = 'quarantined'
),
{% endfor %}

final as (
    {%- for entity, key in tables %}
    select * from {{ entity }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
)

select * from final
