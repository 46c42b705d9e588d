{# The model has between min_rows and max_rows rows (either bound optional). unless_empty: relations that
   feed the model; when every one of them is empty (an export that holds no rows, which the contract loads
   as no rows), the lower bound does not apply. #}
{% test row_count_between(model, min_rows=none, max_rows=none, unless_empty=[]) %}
with counted as (select count(*) as row_count from {{ model }}),

fed as (
    select {% for relation in unless_empty %}(select count(*) from {{ relation }}){{ ' + ' if not loop.last }}{% else %}1{% endfor %} as input_rows
)

select counted.row_count
from counted cross join fed
where false
{%- if min_rows is not none %} or (counted.row_count < {{ min_rows }} and fed.input_rows > 0){% endif %}
{%- if max_rows is not none %} or counted.row_count > {{ max_rows }}{% endif %}
{% endtest %}
