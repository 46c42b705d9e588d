{# A date or timestamp column holds no value after the build date (macro build_date: var build_date, or the
   UTC day the run started) plus a grace in days (default var future_grace_days, the rule that quarantines
   future visits in staging). #}
{% test date_not_in_future(model, column_name, grace_days=none) %}
{%- set grace = var('future_grace_days') if grace_days is none else grace_days -%}
select {{ column_name }} as bad_value, count(*) as future_rows
from {{ model }}
where cast({{ column_name }} as date) > {{ dbt.dateadd('day', grace, build_date()) }}
group by {{ column_name }}
{% endtest %}
