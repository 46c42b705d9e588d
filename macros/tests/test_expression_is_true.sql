{# Every row satisfies a SQL boolean expression (optionally only rows matching `where`). Returns the rows that do not. #}
{% test expression_is_true(model, expression, where=none, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{%- if where %} and ({{ where }}){% endif %}
{% endtest %}
