{#
  The body of a clean staging view: every column of its base model except the row-status bookkeeping
  (row_fingerprint, row_status, rejection_reason, raw_record), for the rows whose status is `clean`. The column list is
  read from the built base model, so it is written once, in the base model's final CTE.
#}
{% macro clean_rows(base_model) -%}
{%- set bookkeeping = ['row_fingerprint', 'row_status', 'rejection_reason', 'raw_record'] -%}
{%- set columns = [] -%}
{%- if execute -%}
  {%- for col in adapter.get_columns_in_relation(ref(base_model)) if col.name | lower not in bookkeeping -%}
    {%- do columns.append(adapter.quote(col.name)) -%}
  {%- endfor -%}
{%- endif -%}
with base as (
    select * from {{ ref(base_model) }}
),

final as (
    select
    {%- for col in (columns or ['*']) %}
        {{ col }}{{ "," if not loop.last }}
    {%- endfor %}
    from base
    where row_status = 'clean'
)

select * from final
{%- endmacro %}
