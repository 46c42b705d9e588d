{#- Data quality per source, raw file and reason: how every raw row ended. reason is `clean`, `duplicate`,
    or the rejection reason of quarantined rows; raw_rows counts the rows of that cell, and clean_rows,
    quarantined_rows and duplicate_rows split it, so summing a file's rows reconciles:
    raw_rows = clean_rows + quarantined_rows + duplicate_rows. repaired_rows: clean rows with at least one
    repair in data_issues. Not subject to the small-cell rule: it counts rows, not patients. -#}

{%- set bases = ['base_synthea__patients', 'base_synthea__encounters', 'base_synthea__payers',
                 'base_synthea__organizations', 'base_synthea__procedures', 'base_synthea__conditions',
                 'base_synthea__observations', 'base_emr__visits'] -%}

with rows_by_status as (
    {%- for base in bases %}
    select
        source_system,
        '{{ base.split("__")[1] }}' as raw_table,
        source_file,
        row_status,
        coalesce(rejection_reason, row_status) as reason,
        data_issues
    from {{ ref(base) }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

final as (
    select
        source_system,
        raw_table,
        source_file,
        reason,
        count(*) as raw_rows,
        {{ count_if("row_status = 'clean'") }} as clean_rows,
        {{ count_if("row_status = 'quarantined'") }} as quarantined_rows,
        {{ count_if("row_status = 'duplicate'") }} as duplicate_rows,
        {{ count_if("row_status = 'clean' and data_issues is not null") }} as repaired_rows
    from rows_by_status
    group by 1, 2, 3, 4
)

select * from final
