{#
  Spark versions of the dispatched helpers (dbt-spark; the DuckDB forms are the default__ ones next to each
  macro). Spark reads backslashes in SQL string literals as escapes: regular expressions reach it through
  regex_literal(), which doubles them.
  Parsing uses the try_ functions, which return null instead of failing under ANSI mode (Spark 4's
  default), as DuckDB's try_strptime and try_cast do.
#}

{# Type names as the project writes them (model contracts, seed column types, casts) in Spark's words:
   Spark has no varchar without a length, no `text`, no `double precision`. #}
{% macro spark_type_name(data_type) -%}
  {%- set name = data_type | trim | lower -%}
  {%- set names = {'varchar': 'string', 'text': 'string', 'double precision': 'double', 'float8': 'double',
                   'integer': 'int'} -%}
  {{- names.get(name, data_type) -}}
{%- endmacro %}

{# dbt.cast on Spark: also what dbt's contract check casts the yml data types with. #}
{% macro spark__cast(field, type) -%}
  cast({{ field }} as {{ spark_type_name(type) }})
{%- endmacro %}


{% macro spark__parse_utc_timestamp(expr) -%}
  coalesce(
      try_to_timestamp({{ clean_text(expr) }}, 'yyyy-MM-dd''T''HH:mm:ss''Z'''),
      try_to_timestamp({{ clean_text(expr) }}, 'yyyy-MM-dd''T''HH:mm:ss'),
      try_to_timestamp({{ clean_text(expr) }}, 'yyyy-MM-dd HH:mm:ss'),
      try_to_timestamp({{ clean_text(expr) }}, 'yyyy-MM-dd''T''HH:mm:ss.SSSSSS''Z''')
  )
{%- endmacro %}

{% macro spark__parse_date(expr, order=none) -%}
  case
    when {{ regex_match('trim(' ~ expr ~ ')', ymd_date_pattern()) }} then cast(try_to_timestamp(trim({{ expr }}), 'yyyy-M-d') as date)
    {%- if order is not none %}
    when {{ order }} = 'mdy' and {{ regex_match('trim(' ~ expr ~ ')', dmy_date_pattern()) }} then cast(try_to_timestamp(trim({{ expr }}), 'M-d-yyyy') as date)
    {%- endif %}
    when {{ regex_match('trim(' ~ expr ~ ')', dmy_date_pattern()) }} then cast(try_to_timestamp(trim({{ expr }}), 'd-M-yyyy') as date)
  end
{%- endmacro %}

{# Numbers as DuckDB's try_cast reads them (see postgres__try_number). #}
{% macro spark__try_number(expr, data_type) -%}
  case when {{ regex_match('(' ~ expr ~ ')', plain_number_pattern()) }}
       then try_cast(trim({{ expr }}) as {{ spark_type_name(data_type) }}) end
{%- endmacro %}

{% macro spark__regex_match(expr, pattern) -%}
  ({{ expr }} rlike {{ regex_literal(pattern) }})
{%- endmacro %}

{% macro spark__regex_literal(pattern) -%}
  '{{ pattern | replace('\\', '\\\\') }}'
{%- endmacro %}

{% macro spark__raw_record_json(columns, prefix) -%}
  to_json(named_struct(
    {%- for col in columns %}
      {{ sql_string(col) }}, {{ adapter.quote(prefix ~ col) }}{{ "," if not loop.last }}
    {%- endfor %}
  ))
{%- endmacro %}

{% macro spark__iso_day_of_week(expr) -%}
  extract(dayofweek_iso from {{ expr }})
{%- endmacro %}

{% macro spark__median(expr) -%}
  cast(percentile({{ expr }}, 0.5) as double)
{%- endmacro %}

{% macro spark__date_spine_cte(from_cte, start_column, end_column) -%}
spine as (
    select days.date_day
    from {{ from_cte }}
    lateral view explode(sequence(
        cast({{ from_cte }}.{{ start_column }} as date),
        cast({{ from_cte }}.{{ end_column }} as date),
        interval 1 day
    )) days as date_day
)
{%- endmacro %}


{# Seeds on Spark: the column_types of seeds/*/_*.yml in Spark's type names (varchar -> string), then
   dbt-spark's own seed macros. #}
{% macro spark_seed_types(model) -%}
  {%- set translated = {} -%}
  {%- for name, data_type in model['config'].get('column_types', {}).items() -%}
    {%- do translated.update({name: spark_type_name(data_type)}) -%}
  {%- endfor -%}
  {%- do model['config'].update({'column_types': translated}) -%}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
  {%- do spark_seed_types(model) -%}
  {{ return(dbt.spark__create_csv_table(model, agate_table)) }}
{%- endmacro %}

{# dbt-spark's session connection puts a seed's values into the insert statement without escaping them,
   so a value with an apostrophe (Crohn's disease) broke the statement: the rows are written here as
   escaped literals instead, and cast to the column's type once per column, in a select over the rows
   (a cast per value made Spark's analyser the slowest step of a build: the 75,000 codes of
   icd10cm_codes, docs/engines.md). #}
{% macro spark__load_csv_rows(model, agate_table) -%}
  {%- do spark_seed_types(model) -%}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
    {%- set sql -%}
      insert into {{ this.render() }}
      select
      {%- for col_name in agate_table.column_names %}
        cast(seed_column_{{ loop.index0 }} as {{ column_override.get(col_name, adapter.convert_type(agate_table, loop.index0)) }}){{ "," if not loop.last }}
      {%- endfor %}
      from values
      {% for row in chunk -%}
        ({%- for value in row -%}{{ spark_literal(value) }}{{ ", " if not loop.last }}{%- endfor -%}){{ "," if not loop.last }}
      {% endfor -%}
      as seed_rows({%- for col_name in agate_table.column_names -%}seed_column_{{ loop.index0 }}{{ ", " if not loop.last }}{%- endfor -%})
    {%- endset -%}
    {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
    {%- if loop.first %}{% do statements.append(sql) %}{% endif -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{%- endmacro %}

{% macro spark_literal(value) -%}
  {%- if value is none -%}null
  {%- elif value is sameas true or value is sameas false -%}{{ 'true' if value else 'false' }}
  {%- elif value is number -%}{{ value }}
  {%- elif value.isoformat is defined -%}'{{ value.isoformat() }}'
  {%- else -%}'{{ value | string | replace('\\', '\\\\') | replace("'", "\\'") }}'
  {%- endif -%}
{%- endmacro %}


{% macro spark__try_iso_date(expr) -%}
  case when {{ regex_match(expr, ymd_date_pattern()) }} then cast(try_to_timestamp({{ expr }}, 'yyyy-M-d') as date) end
{%- endmacro %}

{% macro spark__unnest_list(expr) -%}
  explode({{ expr }})
{%- endmacro %}


{#- FHIR (macros/fhir.sql): each resource parsed once into a variant (try_parse_json: null for a line
    that is not JSON), an element read by its JSON path. -#}
{% macro spark__fhir_resources(raw_cte, elements={}) -%}
  {{ return(parsed_fhir_resources(raw_cte, elements, spark_fhir_parse, spark_fhir_parsed_string)) }}
{%- endmacro %}

{% macro spark_fhir_parse(text) -%}
  try_parse_json({{ text }})
{%- endmacro %}

{% macro spark_fhir_parsed_string(parsed, path) -%}
  try_variant_get({{ parsed }}, '{{ path }}', 'string')
{%- endmacro %}

{% macro spark__fhir_instant(element) -%}
  {%- set value = fhir_string(element) -%}
  case
      when {{ regex_match(value, fhir_offset_instant_pattern()) }} or {{ regex_match(value, fhir_local_instant_pattern()) }}
          then try_to_timestamp({{ value }})
  end
{%- endmacro %}

{% macro spark__fhir_extension(resource, url) -%}
  get(filter(
      try_variant_get(try_parse_json({{ resource }}), '$.extension', 'array<string>'),
      x -> get_json_object(x, '$.url') = '{{ url }}'
  ), 0)
{%- endmacro %}

{% macro spark__fhir_json(json, path) -%}
  get_json_object({{ json }}, '{{ path }}')
{%- endmacro %}

{% macro spark__fhir_json_string(json, path) -%}
  get_json_object({{ json }}, '{{ path }}')
{%- endmacro %}

{% macro spark__fhir_identifier_keys(resource) -%}
  case when {{ resource }} is not null then transform(
            coalesce(try_variant_get(try_parse_json({{ resource }}), '$.identifier', 'array<string>'), cast(array() as array<string>)),
            identifier -> get_json_object(identifier, '$.system') || '|' || get_json_object(identifier, '$.value')
        ) end
{%- endmacro %}
