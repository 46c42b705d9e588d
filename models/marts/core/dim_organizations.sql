{#- One row per organization (hospital) of the Synthea export's organizations file: its name, city and
    state. The EMR extract names no organization. Organizations are not individuals: the de-identified
    share keeps them. -#}

with organizations as (
    select * from {{ ref('int_history_organizations') }}
),

final as (
    select
        source_system,
        organization_id,
        organization_name,
        city,
        state
    from organizations
)

select * from final
