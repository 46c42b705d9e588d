{#- The clean rows of base_emr__visits (see its description in the yml). -#}
{{ clean_rows('base_emr__visits') }}
