{#
  Incremental builds (docs/incremental.md).

  The five large base models append the rows of a new raw-file delivery, stamped with loaded_at (the
  start of the run, run_loaded_at()). Downstream, the incremental models recompute only what those rows
  touch and replace it (delete+insert), stamping what they rewrote with refreshed_at = run_loaded_at():
    - encounter-level models (enriched encounters, encounters unioned, diagnoses, vitals, fct_encounters,
      fct_procedures) take the encounters loaded or refreshed in this run;
    - patient-level models (stays, their readmission windows, infections, acute revisits, fct_stays)
      recompute every row of the patients those encounters belong to, because a new admission can extend
      a stay or close a readmission window opened long before.
  A full build (first run, or --full-refresh) computes everything, with the same code.

  in_this_run(column): the rows a run loaded or rewrote.
  where_in_scope(keys, scope): in an incremental run, a WHERE keeping the rows whose keys are in the
  CTE `scope` (each incremental model defines that CTE: what this run must recompute).
#}
{% macro in_this_run(column='refreshed_at') -%}
  {{ column }} = {{ run_loaded_at() }}
{%- endmacro %}


{#
  KPI marts by period (mart_insurance_mix, mart_visit_costs, mart_department_volume,
  mart_chronic_conditions_monthly; docs/incremental.md). A mart whose cells are periods of visit start
  (months, years) counted over fct_encounters is incremental (delete+insert, unique_key = the source and
  the period column): a batch recomputes the periods holding the fact rows it wrote (refreshed_at;
  fct_encounters rewrites only rows whose values changed) and replaces those periods whole, so a distinct
  count over a period stays exact. Visits never leave a period, so a period with rows before has rows
  again. mart_executive_scorecard uses the same filter to recount its distinct patients per month.
  where_periods_touched(relation, exprs, also_rows_of): in an incremental run, a WHERE keeping the rows of
  `relation` whose (exprs) match those of a row written in this run, or (also_rows_of, a relation keyed
  like `relation` by `keys`) of a row whose key has a row of also_rows_of written in this run (the
  chronic-condition mart: an old visit can gain a diagnosis); nothing in a full build.
#}
{% macro where_periods_touched(relation, exprs, also_rows_of=none, keys=['source_system', 'encounter_id']) -%}
  {%- if is_incremental() -%}
    {%- set columns = exprs | join(', ') -%}
    where ({{ columns }}) in (
        select {{ columns }} from {{ relation }} where {{ in_this_run() }}
        {%- if also_rows_of is not none %}
        union
        select {{ columns }} from {{ relation }}
        where ({{ keys | join(', ') }}) in (select {{ keys | join(', ') }} from {{ also_rows_of }} where {{ in_this_run() }})
        {%- endif %}
    )
  {%- endif -%}
{%- endmacro %}


{# A filter that keeps the rows whose keys appear in the CTE `scope` (same column names), in an
   incremental run only. #}
{% macro where_in_scope(keys, scope='scope') -%}
  {%- if is_incremental() -%}
    where ({% for k in keys %}{{ k }}{{ ", " if not loop.last }}{% endfor %})
        in (select {% for k in keys %}{{ k }}{{ ", " if not loop.last }}{% endfor %} from {{ scope }})
  {%- endif -%}
{%- endmacro %}


{#
  Join sides in an incremental run (the pre-hook and, with after=true, the post-hook of every model,
  dbt_project.yml).

  An incremental model filters a large history by a small scope: `where key in (select key from scope)`,
  a hundred thousand keys against ten million rows in a 1% batch. DuckDB cannot see from its statistics
  how small the scope is (a filter on loaded_at or refreshed_at = the run's start is estimated at a large
  share of the table), and its build_side_probe_side optimizer then swapped the join's sides: it hashed the
  ten million history rows to probe them with the scope. In an incremental run of an incremental model this
  hook turns that optimizer off, so that the scope (the subquery) stays the side that is hashed;
  int_synthea_encounters_enriched's select at 10M took 3.4 s with the swap and 1.5 s without. Every other
  model, and every full build, gets DuckDB's default (`reset`): the hook also undoes the setting on a
  connection reused after a model that failed before its post-hook. Other engines: nothing.
#}
{% macro scope_join_sides(after=false) -%}
  {{ return(adapter.dispatch('scope_join_sides')(after)) }}
{%- endmacro %}

{% macro default__scope_join_sides(after) -%}
{%- endmacro %}

{#- before a model: off for an incremental run, else the default; after it: the default again -#}
{% macro duckdb__scope_join_sides(after) -%}
  {%- if is_incremental() and not after -%}
    set disabled_optimizers = 'build_side_probe_side'
  {%- elif is_incremental() or not after -%}
    reset disabled_optimizers
  {%- endif -%}
{%- endmacro %}


{#
  The materialization of the models that keep history (the base tables, the incremental intermediate
  models and fct_*): incremental on DuckDB and PostgreSQL. On Spark they are tables rebuilt by every run:
  without Delta Lake (whose jars come from Maven, out of this project's reach) Spark's Parquet tables
  accept neither delete+insert nor merge, so a Spark build is always a full build (README "Other engines").
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
