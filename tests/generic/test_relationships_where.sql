{#
  Foreign key with conditions: every value of column_name (on rows matching from_condition) exists in
  `field` of `to` (among rows matching to_condition). Returns each orphan value and how often it occurs.
#}
{% test relationships_where(model, column_name, to, field, from_condition='1 = 1', to_condition='1 = 1') %}
with children as (
    select {{ column_name }} as child_key
    from {{ model }}
    where {{ column_name }} is not null and ({{ from_condition }})
),

parents as (
    select {{ field }} as parent_key
    from {{ to }}
    where {{ to_condition }}
)

select children.child_key, count(*) as orphan_rows
from children
left join parents
    on children.child_key = parents.parent_key
where parents.parent_key is null
group by children.child_key
{% endtest %}
