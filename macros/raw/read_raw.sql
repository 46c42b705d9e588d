{#
  Reading raw exports as they are.

  Where the data comes from (vars in dbt_project.yml, or the environment variables HOSPITAL_SYNTHEA_RAW_PATH,
  HOSPITAL_EMR_RAW_PATH and HOSPITAL_FHIR_RAW_PATH when the vars are not given):
    - none of `synthea_raw_path`, `emr_raw_path`, `fhir_raw_path` set: the shipped sample (seeds/synthea,
      seeds/emr; no FHIR);
    - any set: those exports, read directly with DuckDB's CSV or Parquet reader; a source that
      is not given contributes no rows (an empty relation with the contract's columns).

  Which files a table has and how each is read (glob, encoding, delimiter, header, stamp, the UTF-8 copy of
  a cp1252 file) is decided in one place, hospital_warehouse/rawfiles.py, which the door uses too. dbt asks
  it through the function hospital_raw_files() that the project's dbt-duckdb plugin
  (hospital_warehouse/dbt_plugin.py, profiles.yml) gives the connection: raw_files() below. An export it
  cannot read stops the build with its one-line reason; `make build` runs the door first, so those reasons
  are what a user of dbt alone sees.

  On PostgreSQL and Spark the files are landed first by hospital_warehouse/engines/load_raw.py, through the
  same module, and read_raw reads the landing (macros/raw/read_raw_landing.sql).

  read_raw() returns a SELECT with every contract column as text under its raw name, plus `source_file`
  (the path given), `source_file_stamp` (its size and modification time) and `source_row` (1-based data
  row; the header is row 0).

  Incremental loads: given `loaded_into` (the incremental model's own relation), a file whose path and
  stamp are already in it was loaded by an earlier run and yields no rows, so running a build twice on
  the same files loads nothing twice. A new batch is a new file (or the same path rewritten).
#}

{#- A var given on the command line wins; otherwise the environment variable HOSPITAL_SYNTHEA_RAW_PATH /
    HOSPITAL_EMR_RAW_PATH. The two say the same; the environment variables keep dbt's partial parsing:
    new --vars make dbt parse the whole project again, while the environment variables are
    read only when models run (raw_files), so changing them re-parses nothing (`make build SYNTHEA=...
    EMR=...` and `make batch` pass the paths this way). -#}
{% macro raw_input_paths() %}
  {%- set synthea = var('synthea_raw_path', none) -%}
  {%- set emr = var('emr_raw_path', none) -%}
  {%- set synthea = env_var('HOSPITAL_SYNTHEA_RAW_PATH', '') if synthea in (none, '', 'null', 'None') else synthea -%}
  {%- set emr = env_var('HOSPITAL_EMR_RAW_PATH', '') if emr in (none, '', 'null', 'None') else emr -%}
  {%- set fhir = var('fhir_raw_path', none) -%}
  {%- set fhir = env_var('HOSPITAL_FHIR_RAW_PATH', '') if fhir in (none, '', 'null', 'None') else fhir -%}
  {%- set synthea = none if synthea in ('', 'null', 'None') else synthea -%}
  {%- set emr = none if emr in ('', 'null', 'None') else emr -%}
  {%- set fhir = none if fhir in ('', 'null', 'None') else fhir -%}
  {%- if synthea is none and emr is none and fhir is none -%}
    {%- do return({'synthea': var('sample_synthea_path'), 'emr': var('sample_emr_path'), 'fhir': none}) -%}
  {%- endif -%}
  {%- do return({'synthea': synthea, 'emr': emr, 'fhir': fhir}) -%}
{% endmacro %}


{% macro sql_string(value) -%}
  '{{ value | replace("'", "''") }}'
{%- endmacro %}


{#- The raw files of (source, entity) as hospital_warehouse/rawfiles.py resolves them: a list of
    {path, stamp, kind, sql}, `sql` being the file's rows as read_raw selects them (empty when the source is
    not given or an optional file is absent). Nothing is read while dbt parses: an environment variable read
    during parsing is recorded, and changing it would re-parse every file that used it. -#}
{% macro raw_files(source_system, entity) %}
  {%- if not execute -%}{%- do return([]) -%}{%- endif -%}
  {%- set root = raw_input_paths()[source_system] -%}
  {%- if root is none -%}{%- do return([]) -%}{%- endif -%}
  {%- set encoding = var('raw_encoding', none) or env_var('HOSPITAL_RAW_ENCODING', '') -%}
  {%- set answer = run_query("select hospital_raw_files(" ~ sql_string(source_system) ~ ", " ~ sql_string(entity)
                             ~ ", " ~ sql_string(root) ~ ", " ~ sql_string(encoding) ~ ")") -%}
  {%- set resolved = fromjson(answer.rows[0][0]) -%}
  {%- if resolved.error -%}
    {{ exceptions.raise_compiler_error(resolved.error) }}
  {%- endif -%}
  {%- do return(resolved.files) -%}
{% endmacro %}


{#- The raw file's rows (every engine): the `raw` source of the file is named first, so that dbt's lineage
    (dbt docs, `dbt ls -s source:raw+`) starts at the export; DuckDB reads the file itself and never
    queries that relation (models/staging/_raw__sources.yml). -#}
{% macro read_raw(source_system, entity, loaded_into=none) %}
  {%- do source('raw', source_system ~ '__' ~ entity) -%}
  {{ return(adapter.dispatch('read_raw')(source_system, entity, loaded_into)) }}
{% endmacro %}


{% macro default__read_raw(source_system, entity, loaded_into=none) %}
  {%- set spec = raw_contract()[source_system][entity] -%}
  {%- set files = raw_files(source_system, entity) -%}
  {%- if not files -%}
    {#- the source is not given (or dbt is only parsing): no rows, the contract's columns -#}
    select
    {%- for col in spec.required + spec.optional %}
        cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(col) }},
    {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as source_file_stamp,
        cast(null as {{ dbt.type_bigint() }}) as source_row
    where 1 = 0
  {%- else -%}
    {%- for file in files %}
    {{ file.sql }}
    {%- if loaded_into is not none and raw_file_loaded(loaded_into, file) %}
    where 1 = 0
    {%- endif %}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
  {%- endif -%}
{% endmacro %}


{#- Whether an incremental model already holds this file's rows (its path and stamp). -#}
{% macro raw_file_loaded(loaded_into, file) %}
  {%- set seen = run_query("select count(*) from " ~ loaded_into ~ " where source_file = " ~ sql_string(file.path)
                           ~ " and source_file_stamp = " ~ sql_string(file.stamp)) -%}
  {%- if seen.rows[0][0] > 0 -%}
    {%- do log(file.path ~ " (" ~ file.stamp ~ ") was loaded before; no new rows", info=true) -%}
    {%- do return(true) -%}
  {%- endif -%}
  {%- do return(false) -%}
{% endmacro %}


{#
  The keyword for a base model's `raw` CTE (`with raw as {{ raw_cte_materialization(...) }} (`), which
  the base model reads twice: once for the grouped row-status pass, once for the typed rows.
    - a Parquet file: `not materialized`, each pass reads the file. The reader is parallel and cheap;
      holding the raw rows was not: read twice is faster and holds far less memory.
    - a CSV file: nothing, so DuckDB holds the parsed rows once (parsing the file twice took longer).
  Other engines read a landing table (read_raw_landing.sql) and get nothing.
#}
{% macro raw_cte_materialization(source_system, entity) %}
  {{ return(adapter.dispatch('raw_cte_materialization')(source_system, entity)) }}
{% endmacro %}

{% macro default__raw_cte_materialization(source_system, entity) %}
  {{ return('') }}
{% endmacro %}

{% macro duckdb__raw_cte_materialization(source_system, entity) %}
  {%- set files = raw_files(source_system, entity) if execute else [] -%}
  {%- set ns = namespace(parquet=files | length > 0) -%}
  {%- for file in files if file.kind != 'parquet' -%}{%- set ns.parquet = false -%}{%- endfor -%}
  {%- if ns.parquet -%}
    {{ return(cte_not_materialized()) }}
  {%- endif -%}
  {{ return('') }}
{% endmacro %}
