{#- One row per payer: the Synthea export's payers, and for the EMR extract one payer per payer category
    (the extract names a category, not a payer; its key is `emr:<category>`). -#}

with payers as (
    select * from {{ ref('int_history_payers') }}
),

payer_categories as (
    select * from {{ ref('payer_categories') }}
),

encounters as (
    select * from {{ ref('int_encounters_unioned') }}
),

history_payers as (
    select
        payers.source_system,
        payers.payer_id,
        payers.payer_name,
        coalesce(payer_categories.payer_category, 'Other') as payer_category
    from payers
    left join payer_categories
        on payers.payer_name = payer_categories.payer_name
),

emr_payers as (
    select distinct
        source_system,
        payer_id,
        payer_category as payer_name,
        payer_category
    from encounters
    where source_system = 'emr'
        and payer_id is not null
),

final as (
    select * from history_payers
    union all
    select * from emr_payers
)

select * from final
