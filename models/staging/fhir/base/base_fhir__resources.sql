{#- Every raw row of a FHIR R4 export, one per NDJSON line or Bundle entry (hospital_warehouse/rawfiles.py
    reads the files of the resource types the warehouse uses), with its row status:
    - quarantined: a line that is not JSON (`not_json`), not a resource (`missing_resource_type`), a
      resource of another type than its file's name says (`resource_type_not_file_type`), a resource
      without an id (`missing_id`), or two different resources under one type and id
      (`conflicting_duplicate_key`);
    - duplicate: the same resource again, in the same file or another (a bulk export split over files, or
      delivered twice);
    - clean: the typed models (base_fhir__patients, __encounters, ...) read it, and may still quarantine it
      for what its type needs.
    Incremental like the CSV's appended files: a batch's new NDJSON files are new rows (a file already loaded,
    by path and stamp, is not read again), and a resource loaded before counts as a duplicate. The typed
    models are rebuilt from this table by every run. -#}
{{ config(materialized=history_materialization(), incremental_strategy='append', on_schema_change='fail') }}
{%- set raw_columns = raw_contract()['fhir']['resources']['required'] -%}

with raw as (
    {{ read_raw('fhir', 'resources', loaded_into=this if is_incremental() else none) }}
),

-- each line is parsed once (both paths in one extraction; a line that is not JSON gives null). Not held:
-- the status's grouped pass and its row pass each compute what they need from the lines, cheaper than
-- holding every resource's text between them.
parsed as {{ cte_not_materialized() }} (
    select
        *,
        try(json_extract_string(resource, ['$.resourceType', '$.id'])) as type_and_id
    from raw
),

typed as {{ cte_not_materialized() }} (
    select
        {{ raw_row_address() }},
        file_type,
        case when type_and_id is not null then resource end as resource_json,
        type_and_id[1] as resource_type,
        type_and_id[2] as resource_id,
        {{ raw_row_kept(raw_columns) }}
    from parsed
),

keyed as {{ cte_not_materialized() }} (
    select
        *,
        {{ dbt.concat(['resource_type', "'/'", 'resource_id']) }} as resource_key
    from typed
),

classified as (
    {{ row_status('keyed', 'resource_key', across_files=true, rejections=[
        ('resource_json is null', 'not_json'),
        ('resource_type is null', 'missing_resource_type'),
        ('file_type is not null and resource_type <> file_type', 'resource_type_not_file_type'),
        ('resource_id is null', 'missing_id'),
        ('has_conflicting_key', 'conflicting_duplicate_key'),
    ]) }}
),

final as (
    select
        'fhir' as source_system,
        source_file,
        source_row,
        resource_key,
        resource_type,
        resource_id,
        file_type,
        resource_json,
        cast(null as {{ dbt.type_string() }}) as data_issues,
        {{ base_row_bookkeeping(raw_columns) }}
    from classified
)

select * from final
