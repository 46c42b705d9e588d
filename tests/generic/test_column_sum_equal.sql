{#
  The sum of a column equals the sum of a column of another model (optionally per group, and with
  conditions on either side), within `tolerance`. Returns the groups that differ. A measure that neither
  side carries (both sums null, as the cost of a basic EMR extract) is equal, not a failure.
#}
{% test column_sum_equal(model, column_name, to, to_column, group_by=none, condition='1 = 1', to_condition='1 = 1', tolerance=0) %}
with here as (
    select {{ group_by ~ ' as grp,' if group_by else "'all' as grp," }} sum({{ column_name }}) as total
    from {{ model }}
    where {{ condition }}
    group by 1
),

there as (
    select {{ group_by ~ ' as grp,' if group_by else "'all' as grp," }} sum({{ to_column }}) as total
    from {{ to }}
    where {{ to_condition }}
    group by 1
)

select coalesce(here.grp, there.grp) as grp, here.total as model_total, there.total as other_total
from here
full outer join there
    on here.grp = there.grp
where (here.total is null) <> (there.total is null) or abs(here.total - there.total) > {{ tolerance }}
{% endtest %}
