{# A column's non-null values are >= 0 (counts, money, durations). #}
{% test not_negative(model, column_name) %}
select {{ column_name }} as bad_value, count(*) as negative_rows
from {{ model }}
where {{ column_name }} < 0
group by {{ column_name }}
{% endtest %}


{#
  The same check for several columns of one model in one query: the rows where any of `columns` is
  negative, with those columns. The marts' counts, money and durations are tested this way, one test per
  model instead of one per column (the marts' yml): 115 tests became 22, and each dbt test
  costs dbt a fixed time in every run, whatever its SQL (docs/decisions.md).
#}
{% test not_negative_columns(model, columns) %}
select {{ columns | join(', ') }}
from {{ model }}
where {% for column in columns %}{{ column }} < 0{{ ' or ' if not loop.last }}{% endfor %}
{% endtest %}
