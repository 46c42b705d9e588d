{#
  Reading FHIR R4 resources (JSON text, a row per NDJSON line or Bundle entry) in the typed FHIR models.

  fhir_resources(raw_cte, elements): the raw rows parsed once, with the elements read.
  fhir_resource_columns(), fhir_resource_rejections(): the rules every FHIR row passes before its type's,
    and the columns they read.
  fhir_string(value): an element's text, blank as null.
  fhir_instant(value): a FHIR instant or dateTime as a UTC timestamp: an offset (`-05:00`, `Z`) is
    applied; a value without one (a dateTime written as a day or a local time) is taken as UTC, as the
    Synthea CSV's; null where it is not a date.
  fhir_reference_id(value): the id a reference names, in the forms exports write:
    `Patient/<id>` (a bulk export; a full URL ending so too), `urn:uuid:<id>` (a transaction Bundle's entry);
    null for a conditional reference (`Organization?identifier=<system>|<value>`), which
    fhir_reference_identifier gives instead (`<system>|<value>`, resolved by the identifiers of the
    resources referred to).
  fhir_extension(resource, url): the resource's extension of that url, as JSON (null where absent).
  fhir_address_point(resource): latitude and longitude, the two columns of address[0]'s geolocation
    extension (http://hl7.org/fhir/StructureDefinition/geolocation), as Patient and Organization write it.
  fhir_json_string(json, path): the text at a JSON path of a JSON text (null where absent).
  fhir_identifier_keys(resource): a resource's identifiers as a list of `<system>|<value>`.

  The forms here are DuckDB's; the ones that differ on PostgreSQL and Spark are dispatched
  (macros/engines/postgres.sql, macros/engines/spark.sql): the JSON is parsed once per row there too
  (PostgreSQL: jsonb, through hospital_try_jsonb, which returns null for a line that is not JSON; Spark:
  try_parse_json, a variant).
#}
{% macro fhir_string(value) -%}
  nullif(trim({{ value }}), '')
{%- endmacro %}


{% macro fhir_instant(element) -%}
  {{ return(adapter.dispatch('fhir_instant')(element)) }}
{%- endmacro %}

{% macro default__fhir_instant(element) -%}
  {%- set value = fhir_string(element) -%}
  case
      when regexp_matches({{ value }}, '(Z|[+-][0-9]{2}:[0-9]{2})$') then timezone('UTC', try_cast({{ value }} as timestamptz))
      else try_cast({{ value }} as timestamp)
  end
{%- endmacro %}


{#- The forms of an instant the engines without try_cast read (macros/engines), as DuckDB's try_cast does:
    a date and a time with an offset (`Z`, `-05:00`), or without one. -#}
{% macro fhir_offset_instant_pattern() -%}
  {{ return('^\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$') }}
{%- endmacro %}

{% macro fhir_local_instant_pattern() -%}
  {{ return('^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?)?$') }}
{%- endmacro %}


{% macro fhir_reference_id(element) -%}
  {%- set value = fhir_string(element) -%}
  case
      when {{ value }} like 'urn:uuid:%' then substr({{ value }}, 10)
      when {{ value }} like '%?%' then null
      else nullif(split_part({{ value }}, '/', -1), '')
  end
{%- endmacro %}


{% macro fhir_reference_identifier(element) -%}
  {%- set value = fhir_string(element) -%}
  case when {{ value }} like '%?identifier=%' then substr({{ value }}, {{ dbt.position("'?identifier='", value) }} + 12) end
{%- endmacro %}


{% macro fhir_extension(resource, url) -%}
  {{ return(adapter.dispatch('fhir_extension')(resource, url)) }}
{%- endmacro %}

{% macro default__fhir_extension(resource, url) -%}
  list_filter(
      cast(json_extract({{ resource }}, '$.extension[*]') as json[]),
      x -> json_extract_string(x, '$.url') = '{{ url }}'
  )[1]
{%- endmacro %}


{#- The raw rows of a typed FHIR model (its `raw` CTE: read_raw of its raw table), each parsed once: the
    raw row's address, `resource` (the text) and `file_type`, is_json (false for a line that is not JSON),
    resource_json (the text of a JSON line, for the elements read as JSON arrays), the resource's type and
    id, and one column per element (`elements` maps a column name to a JSON path,
    {'subject_reference': '$.subject.reference'}: every path is read in the same extraction as the type and
    id; an extraction per path parsed the resource once per path). -#}
{% macro fhir_resources(raw_cte, elements={}) -%}
  {{ return(adapter.dispatch('fhir_resources')(raw_cte, elements)) }}
{%- endmacro %}

{% macro default__fhir_resources(raw_cte, elements={}) -%}
select
        {{ raw_row_address() }},
        resource,
        file_type,
        resource_values is not null as is_json,
        case when resource_values is not null then resource end as resource_json,
        resource_values[1] as resource_type,
        resource_values[2] as resource_id
        {%- for name in elements %},
        resource_values[{{ loop.index + 2 }}] as {{ name }}
        {%- endfor %}
    from (
        select
            *,
            try(json_extract_string(resource, ['$.resourceType', '$.id'
                {%- for path in elements.values() %}, '{{ path }}'{% endfor -%}
            ])) as resource_values
        from {{ raw_cte }}
    ) as parsed
{%- endmacro %}


{#- fhir_resources on the engines that parse a resource into a JSON value of their own (PostgreSQL's jsonb,
    Spark's variant): each row parsed once, then the type, the id and each element read from the parsed
    value. parse(text) and read(parsed, path) are the engine's macros (parse: null for a line that is not
    JSON); DuckDB reads all the elements in one extraction from the text instead (default__fhir_resources). -#}
{% macro parsed_fhir_resources(raw_cte, elements, parse, read) -%}
select
        {{ raw_row_address() }},
        resource,
        file_type,
        parsed is not null as is_json,
        case when parsed is not null then resource end as resource_json,
        {{ read('parsed', '$.resourceType') }} as resource_type,
        {{ read('parsed', '$.id') }} as resource_id
        {%- for name, path in elements.items() %},
        {{ read('parsed', path) }} as {{ name }}
        {%- endfor %}
    from (
        select
            *,
            {{ parse('resource') }} as parsed
        from {{ raw_cte }}
    ) as parsed_rows
{%- endmacro %}


{#- The columns of fhir_resources that fhir_resource_rejections reads: a typed model's CTE before its
    joins keeps them. -#}
{% macro fhir_resource_columns() -%}
  file_type,
        resource_type,
        resource_id,
        is_json
{%- endmacro %}


{#- The rules that quarantine a FHIR row before its type's rules, in this order: a line that is not JSON, a
    resource without a resourceType, a resource of another type than its file's name says, one without an
    id, two different resources under one id (has_conflicting_key, from row_status; an exact copy is a
    duplicate). -#}
{% macro fhir_resource_rejections() -%}
  {{ return([
      ('not is_json', 'not_json'),
      ('resource_type is null', 'missing_resource_type'),
      ('file_type is not null and resource_type <> file_type', 'resource_type_not_file_type'),
      ('resource_id is null', 'missing_id'),
      ('has_conflicting_key', 'conflicting_duplicate_key'),
  ]) }}
{%- endmacro %}


{% macro fhir_address_point(resource) -%}
  {%- set point = fhir_extension(fhir_json(resource, '$.address[0]'),
                                 'http://hl7.org/fhir/StructureDefinition/geolocation') -%}
  {{ try_number(fhir_json_string(point, '$.extension[0].valueDecimal'), type_double()) }} as latitude,
        {{ try_number(fhir_json_string(point, '$.extension[1].valueDecimal'), type_double()) }} as longitude
{%- endmacro %}


{#- The JSON at a path of a JSON text, as JSON text. -#}
{% macro fhir_json(json, path) -%}
  {{ return(adapter.dispatch('fhir_json')(json, path)) }}
{%- endmacro %}

{% macro default__fhir_json(json, path) -%}
  json_extract({{ json }}, '{{ path }}')
{%- endmacro %}


{% macro fhir_json_string(json, path) -%}
  {{ return(adapter.dispatch('fhir_json_string')(json, path)) }}
{%- endmacro %}

{% macro default__fhir_json_string(json, path) -%}
  json_extract_string({{ json }}, '{{ path }}')
{%- endmacro %}


{#- A resource's identifiers, `<system>|<value>` each (null where either is absent), as a list: what a
    conditional reference (`Organization?identifier=<system>|<value>`) is resolved by. -#}
{% macro fhir_identifier_keys(resource) -%}
  {{ return(adapter.dispatch('fhir_identifier_keys')(resource)) }}
{%- endmacro %}

{% macro default__fhir_identifier_keys(resource) -%}
  list_transform(
            cast(json_extract({{ resource }}, '$.identifier[*]') as json[]),
            x -> json_extract_string(x, '$.system') || '|' || json_extract_string(x, '$.value')
        )
{%- endmacro %}


{#- A JSON path as the list of its steps: '$.type[0].coding[0].code' is type, 0, coding, 0, code (the
    engines that address JSON by a list of keys). -#}
{% macro fhir_path_steps(path) -%}
  {{ return(path[2:].replace('[', '.').replace(']', '').split('.')) }}
{%- endmacro %}
