{# A column's non-null values lie within [min_value, max_value] (either bound optional, inclusive). #}
{% test value_in_range(model, column_name, min_value=none, max_value=none) %}
select {{ column_name }} as bad_value, count(*) as rows_out_of_range
from {{ model }}
where {{ column_name }} is not null
  and (
    {%- if min_value is not none %} {{ column_name }} < {{ min_value }}{% else %} false{% endif %}
    or {%- if max_value is not none %} {{ column_name }} > {{ max_value }}{% else %} false{% endif %}
  )
group by {{ column_name }}
{% endtest %}
