{#
  Nothing is lost: the rows read from the raw file equal the clean rows of the staging model plus the
  rows of that file in the quarantine model plus the exact duplicates counted in the base model.
  The raw count is taken from the file again (on PostgreSQL from its landing table), independently of
  the models it checks. The models are counted for the deliveries read (path and stamp, macro
  raw_deliveries): after incremental batches they also hold the rows of earlier files.
  Returns one row (the four counts) when they do not reconcile.
#}
{% test raw_rows_reconcile(model, source_system, entity, base_model, quarantine_model) %}
{%- set delivery = raw_deliveries(source_system, entity) %}

with raw_rows as (
    select count(*) as n from ({{ read_raw(source_system, entity) }}) as raw_file
),

clean_rows as (
    select count(*) as n from {{ model }} where {{ delivery }}
),

quarantined_rows as (
    select count(*) as n from {{ quarantine_model }} where raw_table = '{{ entity }}' and {{ delivery }}
),

duplicate_rows as (
    select count(*) as n from {{ base_model }} where row_status = 'duplicate' and {{ delivery }}
)

select
    raw_rows.n as raw_rows,
    clean_rows.n as clean_rows,
    quarantined_rows.n as quarantined_rows,
    duplicate_rows.n as duplicate_rows
from raw_rows
cross join clean_rows
cross join quarantined_rows
cross join duplicate_rows
where raw_rows.n <> clean_rows.n + quarantined_rows.n + duplicate_rows.n

{% endtest %}
