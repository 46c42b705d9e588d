{#- The visits whose fct_encounters row a batch rewrites, one row each, and why (reason): recomputed
    upstream (`recomputed`: batch_encounters_in_scope), or their stay or acute-revisit flag changed
    (`stay_changed`: the rows int_encounter_stays wrote now; a new admission can join an older visit to
    its stay, and a late visit can make an older one a revisit). Read in a batch only. -#}
{{ config(materialized='view') }}

with recomputed as (
    select
        source_system,
        encounter_id
    from {{ ref('batch_encounters_in_scope') }}
),

stay_changed as (
    select
        source_system,
        encounter_id
    from {{ ref('int_encounter_stays') }}
    where {{ in_this_run() }}
),

final as (
    {{ scope_reasons(['source_system', 'encounter_id'], [('recomputed', 'recomputed'), ('stay_changed', 'stay_changed')]) }}
)

select * from final
