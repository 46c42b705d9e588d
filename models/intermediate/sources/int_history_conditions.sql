{#- The conditions of the sources that hold each patient's whole history, in one shape: the Synthea CSV export
    (stg_synthea__conditions) and a FHIR export (stg_fhir__conditions), unioned by column name. The CSV's
    conditions file names no code system: its codes are SNOMED CT. -#}
{{ config(materialized='view') }}

with unioned as (
    {{ union_by_name(history_relations('conditions'), defaults={'condition_code_system': "'SNOMED-CT'"}) }}
)

-- the columns are the staging models', read from them when they are built (the linter sees none)
select * from unioned  -- noqa: AM04
