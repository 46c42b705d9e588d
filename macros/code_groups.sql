{#
  The ICD-10-CM prefix rules (seeds chronic_condition_groups, infection_codes) applied to the distinct codes
  of a CTE, once for each code: the models join the result back on the code. A prefix match is a
  nested-loop join; done on every row of a large export it is slow, where an equality join on the few
  hundred distinct codes is not.

  icd10_prefix_lookup(codes, code_column, seed, value_column) is a select of (icd10_code, value_column):
  one row per distinct code of `codes` and matching prefix of `seed` (codes no prefix matches are absent).
  Joined back with a left join on the code, it gives every row exactly what a left join on the prefix gave.
#}
{% macro icd10_prefix_lookup(codes, code_column, seed, value_column) -%}
    select
        distinct_codes.icd10_code,
        prefixes.{{ value_column }}
    from (
        select distinct {{ code_column }} as icd10_code from {{ codes }} where {{ code_column }} is not null
    ) as distinct_codes
    inner join {{ ref(seed) }} as prefixes
        on {{ starts_with('distinct_codes.icd10_code', 'prefixes.icd10_prefix') }}
{%- endmacro %}
