{#
  columns_except(relation, excluded): the comma-separated, quoted columns of a built relation but the
  excluded ones, in their order. A staging view lists its base model's columns this way, so that the list is
  written once, in the base model's final CTE. While dbt parses (nothing is built yet) it is `*`.
#}
{% macro columns_except(relation, excluded) -%}
  {%- set columns = [] -%}
  {%- if execute -%}
    {%- for col in adapter.get_columns_in_relation(relation) if col.name | lower not in excluded -%}
      {%- do columns.append(adapter.quote(col.name)) -%}
    {%- endfor -%}
  {%- endif -%}
  {{- (columns or ['*']) | join(',\n        ') -}}
{%- endmacro %}
