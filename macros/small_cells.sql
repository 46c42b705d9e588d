{#
  The small-cell rule for marts meant for wide sharing (var suppress_small_cells, default false;
  var small_cell_threshold, default 10, the CMS cell-size rule): a count between 1 and the threshold
  becomes null, and so does every measure built on it; the row's `suppressed` flag is true.

  small_cell(expr, counts): expr, or null when any of `counts` (column names; default: expr itself) is a
  small cell. small_cell_flag(counts): true when any of `counts` is a small cell.
#}
{% macro is_small_cell(count_column) -%}
  ({{ count_column }} between 1 and {{ var('small_cell_threshold') }})
{%- endmacro %}

{% macro small_cell_flag(counts) -%}
  {%- if var('suppress_small_cells') -%}
    ({% for c in counts %}{{ is_small_cell(c) }}{{ " or " if not loop.last }}{% endfor %})
  {%- else -%}
    false
  {%- endif -%}
{%- endmacro %}

{% macro small_cell(expr, counts=none) -%}
  {%- set counts = counts if counts is not none else [expr] -%}
  {%- if var('suppress_small_cells') -%}
    case when {{ small_cell_flag(counts) }} then null else {{ expr }} end
  {%- else -%}
    {{ expr }}
  {%- endif -%}
{%- endmacro %}
