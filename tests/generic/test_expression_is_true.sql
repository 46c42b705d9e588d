{# Every row satisfies a SQL boolean expression. Returns the rows that do not. (To check some rows only, use
   dbt's `where` config, or say so in the expression.)
   With the small-cell rule on (var suppress_small_cells), an expression that is null because a cell it reads
   was suppressed cannot be checked and passes; a false one still fails. #}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), {{ 'true' if var('suppress_small_cells') else 'false' }})
{% endtest %}
