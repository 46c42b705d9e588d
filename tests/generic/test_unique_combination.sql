{#
  The combination of `columns` is unique (a composite primary key). Returns each duplicated combination
  with how many rows share it.
#}
{% test unique_combination(model, columns) %}
{{ adapter.dispatch('unique_combination_sql')(model, columns) }}
{% endtest %}
