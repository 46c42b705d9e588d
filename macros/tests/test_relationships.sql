{#
  dbt's relationships test (every non-null value of column_name is a value of `field` in `to`), with the
  parents' keys read by parent_keys() (scope_to_run.sql) and the join written by children_join_parents()
  below.
#}
{% macro default__test_relationships(model, column_name, to, field) %}

with child as (
    select {{ column_name }} as from_field
    from {{ model }}
    where {{ column_name }} is not null
),

parent as (
    {{ parent_keys(to, field, 'to_field', 'child', 'from_field') }}
)

select
    from_field

{{ children_join_parents('child', 'from_field', 'parent', 'to_field') }}

where parent.to_field is null

{% endmacro %}


{#
  The from clause of a relationships test: every child row with its parent, if any (the caller keeps the
  rows without one). In an incremental run DuckDB hashes the right side of a join as written
  (batch_join_sides, macros/incremental.sql), so the smaller side goes on the right:
    - a test scoped to this run's rows (run_test_scope, scope_to_run.sql): the children are the batch's
      rows and the parents a whole history table, so `parents right join children`: ten million
      encounters probe a hash of the batch's rows instead of being hashed (stg_synthea__observations'
      encounter_id at 10M: 0.54 s -> 0.19 s);
    - a test of every row (tables rebuilt whole, `batch_scope: whole_table`): the children are usually
      the larger side (fct_encounters to dim_payers), so dbt's own `children left join parents`.
  In a full build the optimizer picks the sides itself and either form is the same join.
#}
{% macro children_join_parents(children, child_key, parents, parent_key) -%}
  {%- if run_test_scope(none) is not none -%}
    from {{ parents }}
    right join {{ children }}
        on {{ children }}.{{ child_key }} = {{ parents }}.{{ parent_key }}
  {%- else -%}
    from {{ children }}
    left join {{ parents }}
        on {{ children }}.{{ child_key }} = {{ parents }}.{{ parent_key }}
  {%- endif -%}
{%- endmacro %}
