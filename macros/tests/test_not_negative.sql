{# A column's non-null values are >= 0 (counts, money, durations). #}
{% test not_negative(model, column_name) %}
select {{ column_name }} as bad_value, count(*) as negative_rows
from {{ model }}
where {{ column_name }} < 0
group by {{ column_name }}
{% endtest %}
