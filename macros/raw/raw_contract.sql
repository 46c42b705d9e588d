{#
  The raw data contract: for each source and raw file, the columns the warehouse needs (a file that
  lacks one stops the build) and the optional columns it uses when present (absent: null). Any other
  column is ignored, and so is any other file. The list itself is var `raw_contract` in dbt_project.yml,
  so the quality checks (hospital_warehouse/quality) read the same list. Described in docs/data_contract.md.
#}
{% macro raw_contract() %}
  {% do return(var('raw_contract')) %}
{% endmacro %}
