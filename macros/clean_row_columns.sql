{#
  clean_row_columns(base_relation): the comma-separated, quoted columns of a built base model but its
  row-status bookkeeping (row_fingerprint, row_status, rejection_reason, raw_record), in their order: the
  select list of a staging view over the clean rows, so that the list is written once, in the base model's
  final CTE. While dbt parses (nothing is built yet) it is `*`.
#}
{% macro clean_row_columns(base_relation) -%}
  {%- set bookkeeping = ['row_fingerprint', 'row_status', 'rejection_reason', 'raw_record'] -%}
  {%- set columns = [] -%}
  {%- if execute -%}
    {%- for col in adapter.get_columns_in_relation(base_relation) if col.name | lower not in bookkeeping -%}
      {%- do columns.append(adapter.quote(col.name)) -%}
    {%- endfor -%}
  {%- endif -%}
  {{- (columns or ['*']) | join(',\n        ') -}}
{%- endmacro %}
