{#
  dbt-duckdb's delete+insert (an incremental model's rows for the keys it recomputed replace the old ones),
  with one addition: a model may say which of the keys it writes no earlier run can have written, and the
  delete then does not look for those in the history.

  config(new_encounters_from=['synthea', 'emr']), on an encounter-level model (unique_key encounter_id, or
  source_system and encounter_id): the encounters of those sources that this run loaded clean are new to
  the warehouse. A clean row is neither a copy of a row loaded before nor a key in conflict with one
  (row_status_ctes checks every key against the history), so no earlier run loaded that encounter, and no
  model keyed by encounter can hold a row for it. The delete looks for the written keys minus those: in a
  batch of new encounters usually none, and DuckDB then skips the history's ten million keys (0.25 s per
  model at 10M encounters). The model must depend on the staging model of each source named
  (stg_synthea__encounters, stg_emr__visits), as a ref or a depends_on comment.

  Without the config: dbt-duckdb's statements, written as `where (keys) in (select ...)`.
#}
{% macro duckdb__get_delete_insert_merge_sql(target, source, unique_key, dest_columns, incremental_predicates) -%}
  {%- set dest_cols_csv = get_quoted_csv(dest_columns | map(attribute="name")) -%}
  {%- if unique_key %}
    {%- set keys = [unique_key] if unique_key is string else unique_key -%}
    {%- set key_list = keys | join(', ') -%}
    {%- set sources = config.get('new_encounters_from') or [] %}
    delete from {{ target }} as DBT_INCREMENTAL_TARGET
    where ({{ key_list }}) in (
        select {{ key_list }} from {{ source }}
        {%- if sources %}
        except
        select * from (
            {{- encounters_loaded_now(keys, sources) }}
        ) as encounters_loaded_now
        {%- endif %}
    )
    {%- for predicate in incremental_predicates or [] %}
        and {{ predicate }}
    {%- endfor %};
  {%- endif %}

    insert into {{ target }} ({{ dest_cols_csv }})
    (
        select {{ dest_cols_csv }}
        from {{ source }}
    )
{%- endmacro %}


{#- The clean encounters of `sources` ('synthea', 'emr') loaded by this run, as rows of `keys`
    (['encounter_id'] or ['source_system', 'encounter_id']). -#}
{% macro encounters_loaded_now(keys, sources) -%}
  {%- for source_name in sources -%}
    {%- if source_name not in ('synthea', 'emr') or keys not in (['encounter_id'], ['source_system', 'encounter_id']) -%}
      {{ exceptions.raise_compiler_error("new_encounters_from: sources are 'synthea' and 'emr', keys encounter_id or (source_system, encounter_id); got " ~ sources ~ " with unique_key " ~ keys) }}
    {%- endif -%}
    {%- set relation = ref('stg_synthea__encounters') if source_name == 'synthea' else ref('stg_emr__visits') -%}
    {%- set id_column = 'encounter_id' if source_name == 'synthea' else 'visit_id' %}
        select {{ 'source_system, ' if keys | length == 2 }}{{ id_column }} from {{ relation }} where {{ in_this_run('loaded_at') }}
    {%- if not loop.last %}
        union all
    {%- endif -%}
  {%- endfor -%}
{%- endmacro %}
