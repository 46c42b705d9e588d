{# Every row satisfies a SQL boolean expression (optionally only rows matching `where`). Returns the rows that do not.
   With the small-cell rule on (var suppress_small_cells), an expression that is null because a cell it reads
   was suppressed cannot be checked and passes; a false one still fails. #}
{% test expression_is_true(model, expression, where=none, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), {{ 'true' if var('suppress_small_cells') else 'false' }})
{%- if where %} and ({{ where }}){% endif %}
{% endtest %}
