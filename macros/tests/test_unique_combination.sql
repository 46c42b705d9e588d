{#
  The combination of `columns` is unique (a composite primary key). Returns each duplicated combination
  with how many rows share it.
#}
{% test unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}
