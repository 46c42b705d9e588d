{#- Nothing of a FHIR export is lost, file by file: the rows read from each file (NDJSON lines, Bundle
    entries, counted from the file again, for each raw table that reads it) equal the rows of the typed
    models (clean, quarantined or duplicate). Returns the files that do not reconcile. -#}
{{ config(enabled=fhir_given()) }}
{%- set tables = raw_contract()['fhir'] | list -%}

with raw_rows as (
    select source_file, count(*) as n
    from (
        {%- for entity in tables %}
        select source_file from ({{ read_raw('fhir', entity) }}) as raw_{{ entity }}
        {{- "\n        union all" if not loop.last }}
        {%- endfor %}
    ) as raw_files
    group by source_file
),

ended as (
    {%- for entity in tables %}
    select source_file from {{ ref('base_fhir__' ~ entity) }}
    {{- "\n    union all" if not loop.last }}
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
