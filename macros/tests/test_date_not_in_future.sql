{# A date or timestamp column holds no value after today (UTC), plus an optional grace in days. #}
{% test date_not_in_future(model, column_name, grace_days=0) %}
select {{ column_name }} as bad_value, count(*) as future_rows
from {{ model }}
where cast({{ column_name }} as date) > {{ dbt.dateadd('day', grace_days, 'current_date') }}
group by {{ column_name }}
{% endtest %}
