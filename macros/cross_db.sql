{#
  Small cross-database helpers for what dbt's own cross-database macros (dbt.datediff, dbt.dateadd,
  dbt.type_string, ...) do not cover. Each is plain ANSI-ish SQL or dispatched.
#}

{# Whole years between two dates: one less when the birthday has not been reached that year
   (a 29 February birthday is reached on 1 March in common years). #}
{% macro age_in_years(birth_date, on_date) -%}
  (
    extract(year from {{ on_date }}) - extract(year from {{ birth_date }})
    - case
        when extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
           < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
        then 1 else 0
      end
  )
{%- endmacro %}


{# True where text starts with prefix (both expressions). #}
{% macro starts_with(text, prefix) -%}
  (left({{ text }}, length({{ prefix }})) = {{ prefix }})
{%- endmacro %}


{# Boolean "any" aggregate, portable: max over 0/1. #}
{% macro bool_or(expr) -%}
  (max(case when {{ expr }} then 1 else 0 end) = 1)
{%- endmacro %}


{# A SQL list literal from a Jinja list of strings: ('a', 'b'). #}
{% macro sql_list(values) -%}
  ({%- for v in values -%}'{{ v }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}


{# 8-byte floating point, the type marts publish rates and days in (dbt.type_float() is 4-byte on DuckDB). #}
{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}
