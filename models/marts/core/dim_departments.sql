{#- One row per department: a conformed dimension shared by both sources (source_system = 'all'). -#}

with departments as (
    select * from {{ ref('departments') }}
),

final as (
    select
        'all' as source_system,
        department,
        department_category,
        cast(sort_order as bigint) as sort_order
    from departments
)

select * from final
