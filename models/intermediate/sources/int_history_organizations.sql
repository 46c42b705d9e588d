{#- The organizations of the sources that hold each patient's whole history, in one shape: the Synthea CSV export
    (stg_synthea__organizations) and a FHIR export (stg_fhir__organizations), unioned by column name. -#}
{{ config(materialized='view') }}

with unioned as (
    {{ union_by_name(history_relations('organizations')) }}
)

-- the columns are the staging models', read from them when they are built (the linter sees none)
select * from unioned  -- noqa: AM04
