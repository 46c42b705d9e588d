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


{# The non-null values of measure in a group, sorted and joined into one text by delimiter_text; null when
   there are none. PostgreSQL: dbt.listagg ordered by the measure. DuckDB sorts each group's list
   (list_sort): its ordered aggregate (string_agg ... order by) took 15.6 s against 2.0 s for 2.9 million
   groups of comorbidities at 10M encounters (docs/decisions.md). Spark sorts the collected list
   (collect_list leaves nulls out; dbt-spark's listagg ignores an order). #}
{% macro sorted_text_list(measure, delimiter_text) -%}
  {{ return(adapter.dispatch('sorted_text_list')(measure, delimiter_text)) }}
{%- endmacro %}

{% macro default__sorted_text_list(measure, delimiter_text) -%}
  {{ dbt.listagg(measure, delimiter_text, 'order by ' ~ measure) }}
{%- endmacro %}

{% macro duckdb__sorted_text_list(measure, delimiter_text) -%}
  array_to_string(list_sort(list({{ measure }}) filter (where {{ measure }} is not null)), {{ delimiter_text }})
{%- endmacro %}

{% macro spark__sorted_text_list(measure, delimiter_text) -%}
  nullif(array_join(array_sort(collect_list({{ measure }})), {{ delimiter_text }}), '')
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


{#- The rows of several relations of one entity, unioned by column name (the union of their columns, in the
    first relation's order then the others' new ones, then those of `defaults`): a relation lacking a column
    gives the column's default (an SQL expression), else null. The sources with a patient's whole history
    meet this way (int_history_*). The columns are read from the built relations when the model runs. -#}
{% macro union_by_name(relations, defaults={}) -%}
  {%- set names = [] -%}
  {%- set by_relation = {} -%}
  {%- for relation in relations -%}
    {%- set columns = adapter.get_columns_in_relation(relation) | map(attribute='name') | map('lower') | list if execute else [] -%}
    {%- do by_relation.update({relation | string: columns}) -%}
    {%- for name in columns if name not in names -%}{%- do names.append(name) -%}{%- endfor -%}
  {%- endfor -%}
  {%- for name in defaults if name not in names -%}{%- do names.append(name) -%}{%- endfor -%}
  {%- for relation in relations %}
    select
        {%- for name in names %}
        {{ adapter.quote(name) if name in by_relation[relation | string] else defaults.get(name, 'null') }} as {{ adapter.quote(name) }}{{ ',' if not loop.last }}
        {%- endfor %}
        {%- if not names %} *{% endif %}
    from {{ relation }}
    {{- "\n    union all" if not loop.last }}
  {%- endfor %}
{%- endmacro %}


{#- Whether a source holds each patient's whole history (every visit, condition, death), so that
    readmissions, deaths, hospital-acquired infections and look-backs can be derived from it: the Synthea CSV
    export and a FHIR export do; the flat EMR extract does not. -#}
{% macro has_visit_history(source_column='source_system') -%}
  {{ source_column }} in ('synthea', 'fhir')
{%- endmacro %}


{#- Whether the build reads a FHIR export: one is given (var fhir_raw_path or HOSPITAL_FHIR_RAW_PATH; on
    PostgreSQL and Spark, the export landed by `hospital land --fhir`, read from the landing). dbt_project.yml
    enables models/staging/fhir by the same test; without an export they are not built at all. -#}
{% macro fhir_given() -%}
  {%- set path = var('fhir_raw_path', none) or env_var('HOSPITAL_FHIR_RAW_PATH', '') -%}
  {{ return(path | string not in ('', 'None', 'null')) }}
{%- endmacro %}


{#- The staging relations of one entity of the sources with a patient's whole history: the Synthea CSV's,
    and a FHIR export's when the build reads one (fhir_given). -#}
{% macro history_relations(entity) -%}
  {%- set relations = [ref('stg_synthea__' ~ entity)] -%}
  {%- if fhir_given() -%}{%- do relations.append(ref('stg_fhir__' ~ entity)) -%}{%- endif -%}
  {{ return(relations) }}
{%- endmacro %}


{#- A row per element of a list column (in a select list). -#}
{% macro unnest_list(expr) -%}
  {{ return(adapter.dispatch('unnest_list')(expr)) }}
{%- endmacro %}

{% macro default__unnest_list(expr) -%}
  unnest({{ expr }})
{%- endmacro %}
