{#
  dbt-duckdb's column comments (persist_docs, dbt_project.yml) without its second look at the table.

  dbt's persist_docs already asks the database for the relation's columns and hands this macro only the
  documented columns that exist (validate_doc_columns); dbt-duckdb's version asked again (a `describe`
  per model, about 15 ms of dbt's time each, in every build and batch). Same statements otherwise: one
  `comment on column` per documented column, run together.
#}
{% macro duckdb__alter_column_comment(relation, column_dict) %}
  {% for column_name in column_dict %}
    {% set comment = column_dict[column_name]['description'] %}
    {% set escaped_comment = duckdb_escape_comment(comment) %}
    comment on column {{ relation }}.{{ adapter.quote(column_name) if column_dict[column_name]['quote'] else column_name }} is {{ escaped_comment }};
  {% endfor %}
{% endmacro %}
