{#
  Raw input on engines that do not read the export files themselves:
    - PostgreSQL: the landing tables of source `raw` (raw.<source>__<file>) that hospital_warehouse/engines/load_raw.py
      fills with COPY;
    - Spark: Parquet files <var raw_landing_path>/<source>__<file>.parquet that load_raw.py --engine spark
      writes, read in place (parquet.`path`).
  Either holds what read_raw gives on DuckDB (contract columns as text, source_file, source_file_stamp,
  source_row). The raw-path vars are DuckDB's: on these engines the loader is given the paths. A delivery
  (path and stamp) already in the incremental model `loaded_into` yields no rows, as on DuckDB.
#}
{% macro raw_landing(source_system, entity) %}
  {{ return(adapter.dispatch('raw_landing')(source_system, entity)) }}
{% endmacro %}

{% macro default__raw_landing(source_system, entity) %}
  {{ return(source('raw', source_system ~ '__' ~ entity)) }}
{% endmacro %}

{% macro spark__raw_landing(source_system, entity) %}
  {%- set root = var('raw_landing_path', none) -%}
  {%- if root is none and execute -%}
    {{ exceptions.raise_compiler_error("On Spark the raw exports are read from Parquet files landed by hospital_warehouse/engines/load_raw.py --engine spark: set var raw_landing_path to its --out folder.") }}
  {%- endif -%}
  {{ return("parquet.`" ~ root ~ "/" ~ source_system ~ "__" ~ entity ~ ".parquet`") }}
{% endmacro %}

{% macro postgres__read_raw(source_system, entity, loaded_into=none) %}
  {{ return(landing_read_raw(source_system, entity, loaded_into)) }}
{% endmacro %}

{% macro spark__read_raw(source_system, entity, loaded_into=none) %}
  {{ return(landing_read_raw(source_system, entity, loaded_into)) }}
{% endmacro %}

{% macro landing_read_raw(source_system, entity, loaded_into=none) %}
  {%- set spec = raw_contract()[source_system][entity] -%}
    select
    {%- for col in spec.required + spec.optional %}
        {{ adapter.quote(col) }},
    {%- endfor %}
        source_file,
        source_file_stamp,
        source_row
    from {{ raw_landing(source_system, entity) }} as landed
    {%- if loaded_into is not none %}
    where not exists (
        select 1 from {{ loaded_into }} as loaded
        where loaded.source_file = landed.source_file and loaded.source_file_stamp = landed.source_file_stamp
    )
    {%- endif %}
{% endmacro %}


{# The deliveries raw_rows_reconcile counts: on DuckDB the file the build reads now; on landing-table
   engines every delivery in the landing table. A SQL condition on source_file and source_file_stamp. #}
{% macro raw_deliveries(source_system, entity) %}
  {{ return(adapter.dispatch('raw_deliveries')(source_system, entity)) }}
{% endmacro %}

{% macro default__raw_deliveries(source_system, entity) %}
  {%- set files = raw_files(source_system, entity) if execute else [] -%}
  {%- if not files -%}
    {{ return('1 = 0') }}
  {%- endif -%}
  {%- set pairs = [] -%}
  {%- for file in files -%}
    {%- do pairs.append("(" ~ sql_string(file.path) ~ ", " ~ sql_string(file.stamp) ~ ")") -%}
  {%- endfor -%}
  {{ return("(source_file, source_file_stamp) in (" ~ pairs | join(", ") ~ ")") }}
{% endmacro %}

{% macro postgres__raw_deliveries(source_system, entity) %}
  {{ return(landing_deliveries(source_system, entity)) }}
{% endmacro %}

{% macro spark__raw_deliveries(source_system, entity) %}
  {{ return(landing_deliveries(source_system, entity)) }}
{% endmacro %}

{% macro landing_deliveries(source_system, entity) %}
  {{ return("(source_file, source_file_stamp) in (select source_file, source_file_stamp from "
            ~ raw_landing(source_system, entity) ~ ")") }}
{% endmacro %}
