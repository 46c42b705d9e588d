{#
  concordance(relation, group_by, score, outcome): a whole select, one row per group of `relation` (a CTE
  or model), of what its c-statistic (the area under the ROC curve of `score` for the boolean `outcome`)
  is made of: `stays`, `with_outcome`, `without_outcome` and `concordant_pairs`, the pairs of a stay with
  the outcome and one without in which the first scores higher, a tie counting one half. The c-statistic
  is concordant_pairs / (with_outcome x without_outcome): the chance that a stay with the outcome scores
  higher than one without; 0.5 is chance, 1 a perfect ranking. Counted per score value (each stay with the
  outcome beats the stays without it of lower scores and ties with those of its own), so it costs a sort
  of the distinct scores, not of the pairs. Used as the body of a CTE: `pairs as ( {{ concordance(...) }} )`.
#}
{% macro concordance(relation, group_by, score, outcome) -%}
  {%- set groups = group_by | join(', ') -%}
    select
        {{ groups }},
        sum(with_outcome + without_outcome) as stays,
        sum(with_outcome) as with_outcome,
        sum(without_outcome) as without_outcome,
        sum(with_outcome * (without_outcome_below + 0.5 * without_outcome)) as concordant_pairs
    from (
        select
            *,
            coalesce(sum(without_outcome) over (
                partition by {{ groups }} order by score
                rows between unbounded preceding and 1 preceding
            ), 0) as without_outcome_below
        from (
            select
                {{ groups }},
                {{ score }} as score,
                {{ count_if(outcome) }} as with_outcome,
                {{ count_if('not (' ~ outcome ~ ')') }} as without_outcome
            from {{ relation }}
            group by {{ groups }}, {{ score }}
        ) as per_score
    ) as ranked
    group by {{ groups }}
{%- endmacro %}
