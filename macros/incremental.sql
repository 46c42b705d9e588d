{#
  Incremental builds (docs/incremental.md).

  The five large base models append the rows of a new raw-file delivery, stamped with loaded_at (the
  start of the run, run_loaded_at()). Downstream, the history models recompute what those rows touch and
  replace it (dbt-duckdb's delete+insert), stamping what they wrote with refreshed_at = run_loaded_at().
  What a batch touches is decided once, by the scope models of models/intermediate/batch/:
    - batch_encounters_in_scope: the encounters recomputed from their rows (enriched encounters,
      diagnoses, vitals, procedures);
    - batch_patients_in_scope: the patients whose stays, readmission windows, infections and acute
      revisits are recomputed whole (a new admission can extend a stay or close a window opened long before);
    - batch_encounter_facts_in_scope: the fct_encounters rows rewritten;
    - batch_months_in_scope: the periods the marts by month or year recompute whole.
  A full build (first run, or --full-refresh) computes everything with the same SQL and reads no scope.

  in_this_run(column): the rows a run loaded (loaded_at) or wrote (refreshed_at).
#}
{% macro in_this_run(column='refreshed_at') -%}
  {{ column }} = {{ run_loaded_at() }}
{%- endmacro %}


{#
  A batch's scope (models/intermediate/batch/): which rows of each grain this run recomputes. Every
  history model recomputes the rows of its grain in that scope and replaces them (delete+insert); a full
  build recomputes everything and never reads the scope.

  in_batch_scope(grain, key): in a batch, a WHERE keeping the rows whose (source_system, key) is in the
  scope of that grain; nothing in a full build. The grains:
    'encounter'       batch_encounters_in_scope: the encounters recomputed from their rows;
    'patient'         batch_patients_in_scope: the patients whose stays and revisits are recomputed;
    'encounter_fact'  batch_encounter_facts_in_scope: the fct_encounters rows rewritten;
    'month', 'year'   batch_months_in_scope: the periods (visit start) the period marts recompute whole.
  key defaults to the scope's own key column (encounter_id, patient_id, month_start, visit_year). The
  scope model is also referenced while dbt parses the project (execute is false), so that dbt knows the
  dependency.
#}
{% macro in_batch_scope(grain, key=none) -%}
  {%- set scopes = {'encounter': ('batch_encounters_in_scope', 'encounter_id'),
                    'patient': ('batch_patients_in_scope', 'patient_id'),
                    'encounter_fact': ('batch_encounter_facts_in_scope', 'encounter_id'),
                    'month': ('batch_months_in_scope', 'month_start'),
                    'year': ('batch_months_in_scope', 'visit_year')} -%}
  {%- set model, column = scopes[grain] -%}
  {%- if not execute or is_incremental() -%}
    where (source_system, {{ key or column }}) in (select source_system, {{ column }} from {{ ref(model) }})
  {%- endif -%}
{%- endmacro %}


{#
  scope_reasons(keys, reasons): the body of a scope model: one row per key found in any of the `reasons`,
  a list of (reason, CTE holding the keys) in order of precedence, with the first reason that holds.
#}
{% macro scope_reasons(keys, reasons) -%}
  {%- set key_list = keys | join(', ') -%}
    select
        {{ key_list }},
        case min(precedence)
        {%- for reason, cte in reasons %}
            when {{ loop.index }} then '{{ reason }}'
        {%- endfor %}
        end as reason
    from (
        {%- for reason, cte in reasons %}
        select {{ key_list }}, {{ loop.index }} as precedence from {{ cte }}
        {{- "\n        union all" if not loop.last }}
        {%- endfor %}
    ) as reasons
    group by {{ key_list }}
{%- endmacro %}


{# In a batch, a WHERE keeping the rows loaded now (a staging or base relation, stamped loaded_at); nothing
   in a full build. #}
{% macro loaded_in_this_batch() -%}
  {%- if is_incremental() %}where {{ in_this_run('loaded_at') }}{% endif -%}
{%- endmacro %}


{#
  batch_rows(relation, key): the rows of a staging relation (stamped loaded_at) whose encounter is in the
  batch's scope: the rows loaded now (all of them are: a row loaded now puts its encounter in scope), and
  the rows of earlier runs of the encounters loaded before (batch_encounters_in_scope.is_loaded_before;
  usually none, and DuckDB then reads no row of the history). Every row in a full build.
#}
{% macro batch_rows(relation, key='encounter_id') -%}
    select * from {{ relation }}
  {%- if not execute or is_incremental() %}
    where {{ in_this_run('loaded_at') }}
    union all
    select * from {{ relation }}
    where not ({{ in_this_run('loaded_at') }})
        and (source_system, {{ key }}) in (
            select source_system, encounter_id from {{ ref('batch_encounters_in_scope') }} where is_loaded_before)
  {%- endif -%}
{%- endmacro %}


{#
  The materialization of the models that keep history (the base tables, the incremental intermediate
  models and fct_*): incremental on DuckDB and PostgreSQL. On Spark they are tables rebuilt by every run:
  without Delta Lake (whose jars come from Maven, out of this project's reach) Spark's Parquet tables
  accept neither delete+insert nor merge, so a Spark build is always a full build (docs/engines.md).
#}
{% macro history_materialization() -%}
  {{ return(adapter.dispatch('history_materialization')()) }}
{%- endmacro %}

{% macro default__history_materialization() -%}
  {{ return('incremental') }}
{%- endmacro %}

{% macro spark__history_materialization() -%}
  {{ return('table') }}
{%- endmacro %}
