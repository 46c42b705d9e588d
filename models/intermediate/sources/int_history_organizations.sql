{#- The organizations of the sources that hold each patient's whole history, in one shape: the Synthea CSV export
    (stg_synthea__organizations) and a FHIR export (stg_fhir__organizations), unioned by column name. -#}
{{ config(materialized='view') }}

with unioned as (
    {{ union_by_name(history_relations('organizations')) }}
)

select * from unioned
