{#- Data quality per source, raw file and reason: how every raw row ended. reason is `clean`, `duplicate`,
    or the rejection reason of quarantined rows; raw_rows counts the rows of that cell, and clean_rows,
    quarantined_rows and duplicate_rows split it, so summing a file's rows reconciles:
    raw_rows = clean_rows + quarantined_rows + duplicate_rows. repaired_rows: clean rows with at least one
    repair in data_issues. Not subject to the small-cell rule: it counts rows, not patients.
    A FHIR export's rows (models/staging/fhir) count by the table of their file's resource type.
    Incremental: the base tables of visits, procedures, conditions, observations, EMR visits and a FHIR
    export only ever gain rows (a row keeps its status), so a batch adds the counts of the rows it loaded
    to the cells already in the table; the snapshot tables (patients, payers, organizations) are rebuilt by every run
    and counted again whole. Every cell of a source is rewritten (delete+insert by source_system): the
    table is a few dozen rows, and a snapshot file replaced by the next one leaves no cell behind. -#}
{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system'], on_schema_change='fail') }}

{%- set appended = ['base_synthea__encounters', 'base_synthea__procedures', 'base_synthea__conditions',
                    'base_synthea__observations', 'base_emr__visits'] -%}
{%- set snapshots = ['base_synthea__patients', 'base_synthea__payers', 'base_synthea__organizations'] -%}
{#- a FHIR export's tables are appended to by each delivery, like the CSV's visits -#}
{%- for entity in raw_contract()['fhir'] if fhir_given() %}{% do appended.append('base_fhir__' ~ entity) %}{% endfor -%}
{#- the appended tables as `<source>/<raw table>`: the cells an incremental run adds to -#}
{%- set appended_tables = [] -%}
{%- for base in appended %}{% do appended_tables.append(base[5:].replace('__', '/')) %}{% endfor -%}

with rows_by_status as (
    {%- for base in appended + snapshots %}
    select
        source_system,
        '{{ base.split("__")[1] }}' as raw_table,
        source_file,
        row_status,
        coalesce(rejection_reason, row_status) as reason,
        data_issues
    from {{ ref(base) }}
    {{ loaded_in_this_batch() if base in appended }}
    {{- "\n    union all" if not loop.last }}
    {%- endfor %}
),

counted as (
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
),

cells as (
    select * from counted
    {%- if is_incremental() %}
    union all  -- the cells of the append-only tables as the table holds them, to which the batch's counts add
    select * from {{ this }}
    where {{ dbt.concat(['source_system', "'/'", 'raw_table']) }} in {{ sql_list(appended_tables) }}  -- noqa: LT14
    {%- endif %}
),

final as (
    select
        source_system,
        raw_table,
        source_file,
        reason,
        cast(sum(raw_rows) as bigint) as raw_rows,
        cast(sum(clean_rows) as bigint) as clean_rows,
        cast(sum(quarantined_rows) as bigint) as quarantined_rows,
        cast(sum(duplicate_rows) as bigint) as duplicate_rows,
        cast(sum(repaired_rows) as bigint) as repaired_rows
    from cells
    group by 1, 2, 3, 4
)

select * from final
