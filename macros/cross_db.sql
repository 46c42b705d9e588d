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


{# A SQL list literal from a Jinja list of strings: ('a', 'b'). #}
{% macro sql_list(values) -%}
  ({%- for v in values -%}'{{ v }}'{{ ", " if not loop.last }}{%- endfor -%})
{%- endmacro %}


{# 8-byte floating point, the type marts publish rates and days in (dbt.type_float() is 4-byte on DuckDB). #}
{% macro type_double() -%}
  {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}double{%- endmacro %}


{# Money as the marts publish it: decimal(18,2). #}
{% macro money(expr) -%}
  cast({{ expr }} as decimal(18, 2))
{%- endmacro %}


{# First day of the month of a date or timestamp, as a date. #}
{% macro month_of(expr) -%}
  {{ dbt.cast(dbt.date_trunc('month', expr), 'date') }}
{%- endmacro %}


{# First day of the year of a date or timestamp, as a date. #}
{% macro year_of(expr) -%}
  {{ dbt.cast(dbt.date_trunc('year', expr), 'date') }}
{%- endmacro %}


{# A double rounded to `places` decimals, as a double (PostgreSQL rounds only numerics). #}
{% macro rounded(expr, places) -%}
  cast(round(cast({{ expr }} as decimal(38, 12)), {{ places }}) as {{ type_double() }})
{%- endmacro %}


{# a / b as a double; null when b is 0 or null. #}
{% macro ratio(numerator, denominator) -%}
  cast({{ numerator }} as {{ type_double() }}) / nullif({{ denominator }}, 0)
{%- endmacro %}


{# A CTE named `spine` with one row (date_day) per calendar day from from_cte's start_column to
   end_column (one-row CTE). #}
{% macro date_spine_cte(from_cte, start_column, end_column) -%}
  {{ return(adapter.dispatch('date_spine_cte')(from_cte, start_column, end_column)) }}
{%- endmacro %}

{% macro default__date_spine_cte(from_cte, start_column, end_column) -%}
spine as (
    select cast(days.day_start as date) as date_day
    from {{ from_cte }}
    cross join generate_series(
        cast({{ from_cte }}.{{ start_column }} as timestamp),
        cast({{ from_cte }}.{{ end_column }} as timestamp),
        interval '1 day'
    ) as days(day_start)
)
{%- endmacro %}


{# Rows where a condition holds, as a bigint (portable form of count(*) filter (where ...)). #}
{% macro count_if(condition) -%}
  cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}


{# Median of a numeric expression, as a double. #}
{% macro median(expr) -%}
  {{ return(adapter.dispatch('median')(expr)) }}
{%- endmacro %}

{% macro default__median(expr) -%}
  cast(median({{ expr }}) as {{ type_double() }})
{%- endmacro %}


{# ISO day of the week of a date: 1 Monday .. 7 Sunday. #}
{% macro iso_day_of_week(expr) -%}
  {{ return(adapter.dispatch('iso_day_of_week')(expr)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expr) -%}
  extract(isodow from {{ expr }})
{%- endmacro %}


{# True when a source's observed period (data_start .. data_end, dates) covers the whole calendar period
   of the given grain ('month' or 'year') starting on period_start: from its first day to its last. A
   month whose data stops before its last day is partial, and no headline shows it. #}
{% macro covers_period(grain, period_start, data_start, data_end) -%}
  ({{ data_start }} <= {{ period_start }}
    and {{ data_end }} >= cast({{ dbt.dateadd('day', -1, dbt.dateadd(grain, 1, period_start)) }} as date))
{%- endmacro %}
