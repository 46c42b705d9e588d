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
    begin return cast(value as double precision); exception when others then return null; end $fn$;
  create or replace function {{ target.schema }}.hospital_try_timestamptz(value text) returns timestamptz
    language plpgsql immutable as $fn$
    begin return cast(value as timestamptz); exception when others then return null; end $fn$;
  create or replace function {{ target.schema }}.hospital_try_jsonb(value text) returns jsonb
    language plpgsql immutable as $fn$
    begin return cast(value as jsonb); exception when others then return null; end $fn$
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

{% macro postgres__try_iso_date(expr) -%}
  case when {{ regex_match(expr, ymd_date_pattern()) }} then {{ target.schema }}.hospital_try_date({{ expr }}, 'YYYY-MM-DD') end
{%- endmacro %}


{#- FHIR (macros/fhir.sql): each resource parsed once into jsonb (hospital_try_jsonb: null for a line that
    is not JSON), an element read by its path's steps. -#}
{% macro postgres__fhir_resources(raw_cte, elements={}) -%}
  {{ return(parsed_fhir_resources(raw_cte, elements, postgres_fhir_parse, postgres_fhir_parsed_string)) }}
{%- endmacro %}

{% macro postgres_fhir_parse(text) -%}
  {{ target.schema }}.hospital_try_jsonb({{ text }})
{%- endmacro %}

{% macro postgres_fhir_parsed_string(parsed, path) -%}
  {{ parsed }} #>> {{ pg_json_steps(path) }}
{%- endmacro %}

{% macro pg_json_steps(path) -%}
  '{{ "{" ~ fhir_path_steps(path) | join(",") ~ "}" }}'
{%- endmacro %}

{% macro postgres__fhir_instant(element) -%}
  {%- set value = fhir_string(element) -%}
  case
      when {{ regex_match(value, fhir_offset_instant_pattern()) }}
          then {{ target.schema }}.hospital_try_timestamptz({{ value }}) at time zone 'UTC'
      when {{ regex_match(value, fhir_local_instant_pattern()) }} then {{ target.schema }}.hospital_try_timestamp({{ value }})
  end
{%- endmacro %}

{% macro postgres__fhir_extension(resource, url) -%}
  cast(jsonb_path_query_first(cast({{ resource }} as jsonb), '$.extension[*] ? (@.url == "{{ url }}")') as text)
{%- endmacro %}

{% macro postgres__fhir_json(json, path) -%}
  cast(cast({{ json }} as jsonb) #> {{ pg_json_steps(path) }} as text)
{%- endmacro %}

{% macro postgres__fhir_json_string(json, path) -%}
  (cast({{ json }} as jsonb) #>> {{ pg_json_steps(path) }})
{%- endmacro %}

{% macro postgres__fhir_identifier_keys(resource) -%}
  case when {{ resource }} is not null then array(
            select (identifier ->> 'system') || '|' || (identifier ->> 'value')
            from jsonb_path_query(cast({{ resource }} as jsonb), '$.identifier[*]') as identifier
        ) end
{%- endmacro %}


{#- found_in (macros/cleaning.sql): a left join on the looked-in CTE's distinct rows. -#}
{% macro postgres__found_in(values, cte, columns, alias) -%}
  ({{ alias }}.{{ columns[0] }} is not null)
{%- endmacro %}

{% macro postgres__found_in_join(values, cte, columns, alias) -%}
    left join (select distinct {{ columns | join(', ') }} from {{ cte }}) as {{ alias }}
        on {% for value in values %}{{ value }} = {{ alias }}.{{ columns[loop.index0] }}{{ ' and ' if not loop.last }}{% endfor %}
{%- endmacro %}
