{#
  Typing and repair helpers used by every staging model. Each is dispatched, so another adapter can
  supply its own version (default__ is the DuckDB form). The repairs they make are documented in
  docs/data_contract.md ("Repairs").
#}

{# Trimmed text; blank becomes null. #}
{% macro clean_text(expr) -%}
  nullif(trim({{ expr }}), '')
{%- endmacro %}


{# `2011-01-02T01:45:18Z` (also without Z, or with a space) as a naive UTC timestamp; null if unparseable.
   strptime never consults the session time zone, so the value is the UTC wall time whatever it is. #}
{% macro parse_utc_timestamp(expr) -%}
  {{ return(adapter.dispatch('parse_utc_timestamp')(expr)) }}
{%- endmacro %}

{% macro default__parse_utc_timestamp(expr) -%}
  try_strptime(
      nullif(trim({{ expr }}), ''),
      ['%Y-%m-%dT%H:%M:%SZ', '%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S.%fZ']
  )
{%- endmacro %}


{# A date written YYYY-MM-DD or DD-MM-YYYY (the year's position tells them apart); null if unparseable. #}
{% macro parse_date(expr) -%}
  {{ return(adapter.dispatch('parse_date')(expr)) }}
{%- endmacro %}

{% macro default__parse_date(expr) -%}
  cast(try_strptime(nullif(trim({{ expr }}), ''), ['%Y-%m-%d', '%d-%m-%Y']) as date)
{%- endmacro %}


{# Cast that yields null instead of failing. #}
{% macro safe_cast(expr, data_type) -%}
  {{ return(adapter.dispatch('safe_cast')(expr, data_type)) }}
{%- endmacro %}

{% macro default__safe_cast(expr, data_type) -%}
  try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}


{# A plain decimal number (`129.16`, `-5`, `59.0`); anything else, `$1,200` included, is null. #}
{% macro parse_number(expr, data_type='decimal(18,2)') -%}
  {{ safe_cast(clean_text(expr), data_type) }}
{%- endmacro %}


{# Description without its SNOMED semantic tag: `Encounter for problem (procedure)` -> `Encounter for problem`. #}
{% macro snomed_description(expr) -%}
  nullif(trim(regexp_replace(trim({{ expr }}), '\s*\((procedure|finding|disorder|situation|environment|regime/therapy|observable entity|qualifier value|morphologic abnormality|person|event|substance|body structure)\)$', '')), '')
{%- endmacro %}


{# Comma-separated list of the codes whose condition holds, null when none does.
   checks: list of (sql condition, code) pairs. #}
{% macro issue_list(checks) -%}
  nullif(concat_ws(','
    {%- for condition, code in checks %},
      case when {{ condition }} then '{{ code }}' end
    {%- endfor %}
  ), '')
{%- endmacro %}


{# A stable fingerprint of a list of columns (null and '' told apart). quote_names: the list holds raw
   column names to quote (`Patient ID`), not SQL expressions. #}
{% macro row_fingerprint(columns, quote_names=false) -%}
  md5(concat_ws('|'
    {%- for col in columns %},
      coalesce(cast({{ adapter.quote(col) if quote_names else col }} as {{ dbt.type_string() }}), '<null>')
    {%- endfor %}
  ))
{%- endmacro %}


{# True where the text matches a regular expression (partial match). #}
{% macro regex_match(expr, pattern) -%}
  {{ return(adapter.dispatch('regex_match')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_match(expr, pattern) -%}
  regexp_matches({{ expr }}, '{{ pattern }}')
{%- endmacro %}


{# The raw row as a JSON text object, kept with quarantined rows so nothing is lost. #}
{% macro raw_record_json(columns) -%}
  {{ return(adapter.dispatch('raw_record_json')(columns)) }}
{%- endmacro %}

{% macro default__raw_record_json(columns) -%}
  cast(json_object(
    {%- for col in columns %}
      {{ sql_string(col) }}, {{ adapter.quote(col) }}{{ "," if not loop.last }}
    {%- endfor %}
  ) as {{ dbt.type_string() }})
{%- endmacro %}


{#
  The row-status CTEs shared by every base model. Expects a CTE `from_cte` with `source_row`,
  `row_fingerprint` (what makes two rows the same) and the key columns. Emits `keyed` and `classified`:
    - a row whose fingerprint was already seen at an earlier source_row is a `duplicate` (dropped, counted);
    - otherwise the first of `rejections` (list of (condition, reason)) that holds quarantines it;
      the condition `has_conflicting_key` is true where rows share `key` but differ in fingerprint;
    - otherwise it is `clean`.
#}
{% macro row_status_ctes(from_cte, key, rejections) -%}
keyed as (
    select
        *,
        row_number() over (partition by row_fingerprint order by source_row) as copy_number,
        min(row_fingerprint) over (partition by {{ key }})
            <> max(row_fingerprint) over (partition by {{ key }}) as has_conflicting_key
    from {{ from_cte }}
),

classified as (
    select
        *,
        case
            when copy_number > 1 then 'duplicate'
            {%- for condition, reason in rejections %}
            when {{ condition }} then 'quarantined'
            {%- endfor %}
            else 'clean'
        end as row_status,
        case
            when copy_number > 1 then null
            {%- for condition, reason in rejections %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as rejection_reason
    from keyed
)
{%- endmacro %}
