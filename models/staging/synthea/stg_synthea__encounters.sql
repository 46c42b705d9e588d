{#- The clean rows of base_synthea__encounters (see its description in the yml). -#}
{{ clean_rows('base_synthea__encounters') }}
