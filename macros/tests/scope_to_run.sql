{#
  Tests of an incremental batch look at the rows the batch wrote, not at the whole history.

  dbt hands every generic test its model through get_where_subquery(); this project's version adds, in an
  incremental `dbt build` (without --full-refresh; a `dbt test` on its own tests every row), a filter to the rows of this run for row-level
  tests on models that hold rows of earlier runs:
    - the model is incremental, or a view over one (stg_* over base_*, int_encounters_unioned), and its
      yml documents a `refreshed_at` (intermediate models, fct_*) or `loaded_at` (staging) column (the
      column list is not asked of the database; a model that documents neither is tested whole);
    - the test checks each row on its own (not_null, accepted_values, relationships, ranges, ...): it
      keeps the rows with refreshed_at/loaded_at = the start of this run. Rows of earlier runs were tested
      by the run that wrote them and no batch changes them (a delete+insert model rewrites every row of a
      key it touches);
    - uniqueness (unique, unique_combination) keeps every row, old or new, whose key is a key of this run:
      a new row that repeats a key loaded long before is still found.
  Tests over aggregates of a whole table (raw_rows_reconcile, row_count_between, column_sum_equal),
  tests of tables rebuilt in full (dimensions, KPI marts) and tests configured with
  `meta: {batch_scope: whole_table}` (the facts' keys to the patient and payer snapshots) are not
  filtered. A full build (`make build`, --full-refresh) tests every row.
#}
{% macro get_where_subquery(relation) -%}
  {%- set where = config.get('where', '') -%}
  {%- set scope = run_test_scope(relation) -%}
  {%- set conditions = [] -%}
  {%- if where %}{% do conditions.append('(' ~ where ~ ')') %}{% endif -%}
  {%- if scope %}{% do conditions.append(scope) %}{% endif -%}
  {%- if conditions -%}
    {%- do return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') -%}
  {%- endif -%}
  {%- do return(relation) -%}
{%- endmacro %}


{#- The uniqueness tests, whose batch scope is the run's keys, each with the argument naming its key. -#}
{% macro batch_key_tests() -%}
  {{ return({'unique': 'column_name', 'unique_combination': 'columns'}) }}
{%- endmacro %}


{# The filter for the tested rows of an incremental run (see above), or none. #}
{% macro run_test_scope(relation) -%}
  {%- set row_level_tests = ['not_null', 'accepted_values', 'relationships', 'relationships_where', 'not_negative', 'not_negative_columns',
                             'value_in_range', 'date_not_in_future', 'expression_is_true'] -%}
  {%- set key_tests = batch_key_tests() -%}
  {#- only in the `dbt build` that wrote the rows: a `dbt test` on its own checks every row -#}
  {%- if not execute or flags.FULL_REFRESH or invocation_args_dict.get('which') != 'build'
        or model.resource_type != 'test' -%}{%- do return(none) -%}{%- endif -%}
  {#- a test configured with meta {batch_scope: whole_table} checks every row in every build -#}
  {%- if (model.config.meta or {}).get('batch_scope') == 'whole_table' -%}{%- do return(none) -%}{%- endif -%}
  {%- set test_name = (model.test_metadata or {}).get('name') -%}
  {%- if test_name not in row_level_tests and test_name not in key_tests -%}{%- do return(none) -%}{%- endif -%}
  {%- set tested = graph.nodes.get(model.attached_node) if model.attached_node else none -%}
  {%- if tested is none or tested.config.materialized not in ('incremental', 'view') -%}{%- do return(none) -%}{%- endif -%}
  {#- the stamp is read from the model's documented columns, not from the database: asking DuckDB for a
      relation's columns costs dbt a round trip per test -#}
  {%- set stamp = documented_stamp(tested) -%}
  {%- if stamp is none -%}{%- do return(none) -%}{%- endif -%}
  {%- set this_run = in_this_run(stamp) -%}
  {%- if test_name in key_tests -%}
    {%- set key = model.test_metadata.kwargs.get(key_tests[test_name]) -%}
    {%- set key = [key] if key is string else key -%}
    {%- do return('(' ~ key | join(', ') ~ ') in (select ' ~ key | join(', ') ~ ' from ' ~ relation ~ ' where ' ~ this_run ~ ')') -%}
  {%- endif -%}
  {%- do return(this_run) -%}
{%- endmacro %}


{#- The column stamping a node's rows with the run that wrote them, from its documented columns:
    refreshed_at, loaded_at, or none. -#}
{% macro documented_stamp(node) -%}
  {%- set names = node.columns.keys() | map('lower') | list -%}
  {%- do return('refreshed_at' if 'refreshed_at' in names else ('loaded_at' if 'loaded_at' in names else none)) -%}
{%- endmacro %}
