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
  A batch's scope (models/intermediate/batch/): which encounters and which patients this run recomputes.
  Every history model recomputes the rows of its grain in that scope and replaces them (delete+insert);
  a full build recomputes everything and never reads the scope.

  in_batch_scope(grain, key): in a batch, a WHERE keeping the rows whose (source_system, key) is in the
  scope of that grain ('encounter': batch_encounters_in_scope, 'patient': batch_patients_in_scope; key
  defaults to encounter_id or patient_id); nothing in a full build. The scope model is also referenced
  while dbt parses the project (execute is false), so that dbt knows the dependency.
#}
{% macro in_batch_scope(grain, key=none) -%}
  {%- if not execute or is_incremental() -%}
    where (source_system, {{ key or grain ~ '_id' }}) in (
        select source_system, {{ grain }}_id from {{ ref('batch_' ~ grain ~ 's_in_scope') }})
  {%- endif -%}
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
        {#- the rows written in this run are in the first part: only keys without one are looked up in the
            rows of earlier runs (usually none, and DuckDB then skips them) #}
        select {{ columns }} from {{ relation }}
        where not ({{ in_this_run() }}) and ({{ keys | join(', ') }}) in (
            select {{ keys | join(', ') }} from {{ also_rows_of }} where {{ in_this_run() }}
            except
            select {{ keys | join(', ') }} from {{ relation }} where {{ in_this_run() }}
        )
        {%- endif %}
    )
  {%- endif -%}
{%- endmacro %}


{#
  The rows of `relation` whose keys are in the CTE `scope`, in an incremental run (every row otherwise),
  read in two parts so that a batch does not scan the history for them: the rows this run loaded or
  refreshed (`stamp` = the run's start: DuckDB skips the older row groups by their min/max), and the rows
  of earlier runs whose keys are in the CTE `before`. `before` holds the scope's keys that can have rows
  from earlier runs (the caller knows which; scope_loaded_before() below for the encounters and their
  children). It is usually empty (a batch of new encounters with their children), and then DuckDB does not
  read the history at all: a semi-join on an empty set is skipped (at 10M encounters, 0.8 s for the
  encounters' 10M keys became 0.005 s).
#}
{% macro rows_in_scope(relation, keys, stamp, before) -%}
  {%- if is_incremental() -%}
    {%- set key_list = keys | join(', ') -%}
    select * from {{ relation }}
    where {{ in_this_run(stamp) }} and ({{ key_list }}) in (select {{ key_list }} from scope)
    union all
    select * from {{ relation }}
    where not ({{ in_this_run(stamp) }}) and ({{ key_list }}) in (select {{ key_list }} from {{ before }})
  {%- else -%}
    select * from {{ relation }}
  {%- endif -%}
{%- endmacro %}


{#
  The keys of the CTE `scope` (encounters) that were loaded by an earlier run: the scope minus the
  encounters loaded now. Only these encounters can have rows in the history, and so can their children
  (procedures, conditions, observations): a child row whose encounter has not been loaded yet is
  quarantined as an orphan, so the children of an encounter loaded now are all new. The `before` of
  rows_in_scope() for the encounters and their children. A model using it names stg_synthea__encounters
  in a depends_on comment if it does not ref it otherwise.
#}
{% macro scope_loaded_before(keys) -%}
  {{ keys_not_written_now(keys, ref('stg_synthea__encounters'), 'loaded_at') }}
{%- endmacro %}


{#- The keys of the CTE `of` (default `scope`) that `relation` has no row of this run for (`stamp` =
    the run's start): the `before` of rows_in_scope() when `relation` is the one read. -#}
{% macro keys_not_written_now(keys, relation, stamp='refreshed_at', of='scope') -%}
  {%- set key_list = keys | join(', ') -%}
    select {{ key_list }} from {{ of }}
    except
    select {{ key_list }} from {{ relation }} where {{ in_this_run(stamp) }}
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
