{#
  PostgreSQL versions of the dispatched helpers (the DuckDB forms are the default__ ones next to each
  macro). PostgreSQL has no try_cast / try_strptime: values are checked against the formats DuckDB accepts
  (regular expressions), then converted by small functions that return null instead of failing (a
  well-formed but impossible date such as 2023-02-30), created by engine_setup() at the start of a run.
#}

{# on-run-start: the helper functions an engine needs (nothing on DuckDB). #}
{% macro engine_setup() -%}
  {{ return(adapter.dispatch('engine_setup')()) }}
{%- endmacro %}

{% macro default__engine_setup() -%}
  select 1
{%- endmacro %}

{% macro postgres__engine_setup() -%}
  create schema if not exists {{ target.schema }};
  create or replace function {{ target.schema }}.hospital_try_timestamp(value text) returns timestamp
    language plpgsql immutable as $fn$
    begin return cast(value as timestamp); exception when others then return null; end $fn$;
  create or replace function {{ target.schema }}.hospital_try_date(value text, format text) returns date
    language plpgsql immutable as $fn$
    begin
      if format = 'YYYY-MM-DD' then return cast(value as date); end if;
      return cast(make_date(cast(split_part(value, '-', 3) as int), cast(split_part(value, '-', 2) as int),
                            cast(split_part(value, '-', 1) as int)) as date);
    exception when others then return null; end $fn$;
  create or replace function {{ target.schema }}.hospital_try_numeric(value text) returns numeric
    language plpgsql immutable as $fn$
    begin return cast(value as numeric); exception when others then return null; end $fn$;
  create or replace function {{ target.schema }}.hospital_try_double(value text) returns double precision
    language plpgsql immutable as $fn$
    begin return cast(value as double precision); exception when others then return null; end $fn$
{%- endmacro %}


{% macro postgres__parse_utc_timestamp(expr) -%}
  case when nullif(trim({{ expr }}), '') ~ '^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(Z|\.\d{1,6}Z)?| \d{2}:\d{2}:\d{2})$'
       then {{ target.schema }}.hospital_try_timestamp(trim({{ expr }})) end
{%- endmacro %}

{% macro postgres__parse_date(expr, order=none) -%}
  case
    when {{ regex_match('trim(' ~ expr ~ ')', ymd_date_pattern()) }} then {{ target.schema }}.hospital_try_date(trim({{ expr }}), 'YYYY-MM-DD')
    {%- if order is not none %}
    when {{ order }} = 'mdy' and {{ regex_match('trim(' ~ expr ~ ')', dmy_date_pattern()) }} then {{ target.schema }}.hospital_try_date(trim({{ expr }}), 'MM-DD-YYYY')
    {%- endif %}
    when {{ regex_match('trim(' ~ expr ~ ')', dmy_date_pattern()) }} then {{ target.schema }}.hospital_try_date(trim({{ expr }}), 'DD-MM-YYYY')
  end
{%- endmacro %}

{# Numbers as DuckDB's try_cast reads them: optional sign, digits with an optional fraction, optional
   exponent; anything else (`$1,200`, `N/A`) is null. #}
{% macro postgres__try_number(expr, data_type) -%}
  {%- set numeric_text = regex_match('(' ~ expr ~ ')', plain_number_pattern()) -%}
  {%- if data_type | lower in ('double', 'double precision', 'float8') -%}
  case when {{ numeric_text }} then {{ target.schema }}.hospital_try_double({{ expr }}) end
  {%- else -%}
  case when {{ numeric_text }} then cast({{ target.schema }}.hospital_try_numeric({{ expr }}) as {{ data_type }}) end
  {%- endif -%}
{%- endmacro %}

{% macro postgres__regex_match(expr, pattern) -%}
  ({{ expr }} ~ {{ regex_literal(pattern) }})
{%- endmacro %}

{% macro postgres__raw_record_json(columns, prefix) -%}
  cast(json_build_object(
    {%- for col in columns %}
      {{ sql_string(col) }}, {{ adapter.quote(prefix ~ col) }}{{ "," if not loop.last }}
    {%- endfor %}
  ) as text)
{%- endmacro %}

{% macro postgres__type_double() -%}double precision{%- endmacro %}

{% macro postgres__median(expr) -%}
  cast(percentile_cont(0.5) within group (order by {{ expr }}) as double precision)
{%- endmacro %}
