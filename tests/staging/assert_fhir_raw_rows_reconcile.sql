{#- Nothing of a FHIR export is lost, file by file: the rows read from each file (NDJSON lines, Bundle
    entries, counted from the file again) equal the rows base_fhir__resources did not pass on (quarantined
    or duplicate) plus the rows of the typed models (clean or quarantined), each of which took exactly
    the clean resources of its type. Returns the files that do not reconcile. -#}
{{ config(enabled=fhir_given()) }}
{%- set typed = ['patients', 'organizations', 'encounters', 'conditions', 'procedures', 'observations', 'claims',
                 'coverages'] -%}

with raw_rows as (
    select source_file, count(*) as n
    from ({{ read_raw('fhir', 'resources') }}) as raw_file
    group by source_file
),

ended as (
    select source_file from {{ ref('base_fhir__resources') }} where row_status <> 'clean'
    {%- for entity in typed %}
    union all
    select source_file from {{ ref('base_fhir__' ~ entity) }}
    {%- endfor %}
),

ended_rows as (
    select source_file, count(*) as n
    from ended
    group by source_file
)

-- the files of the export given now (after batches the tables also hold the rows of earlier deliveries)
select
    raw_rows.source_file,
    raw_rows.n as raw_rows,
    ended_rows.n as ended_rows
from raw_rows
left join ended_rows
    on raw_rows.source_file = ended_rows.source_file
where raw_rows.n is distinct from ended_rows.n
