{# The SQL of the unique_combination test (tests/generic/test_unique_combination.sql), dispatched: a generic
   test's file holds only test blocks. #}
{% macro default__unique_combination_sql(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endmacro %}


{#
  DuckDB: the rows are first grouped by one 64-bit hash of the combination, which is much cheaper than
  grouping by two or three text columns (a base table's source_file, source_file_stamp, source_row);
  only the combinations whose hash is shared are then grouped by their values, so
  a hash collision cannot fail the test. With no shared hash (the passing case), DuckDB does not read the
  table a second time. The result is the same rows as the default's.
#}
{% macro duckdb__unique_combination_sql(model, columns) %}

with shared_hashes as (
    select hash({{ columns | join(', ') }}) as combination_hash
    from {{ model }}
    group by 1
    having count(*) > 1
)

select
    {{ columns | join(', ') }},
    count(*) as row_count
from {{ model }}
where hash({{ columns | join(', ') }}) in (select combination_hash from shared_hashes)
group by {{ columns | join(', ') }}
having count(*) > 1

{% endmacro %}
