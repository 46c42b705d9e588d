{#- The clean rows of base_synthea__procedures (see its description in the yml). -#}
{{ clean_rows('base_synthea__procedures') }}
