{#
  Reading FHIR R4 resources (JSON text, one per row of base_fhir__resources) in the typed FHIR models.

  fhir_resources(resource_type, elements): the clean resources of a type, each parsed once: `elements` maps
    a column name to a JSON path ({'subject_reference': '$.subject.reference'}), every path read in one
    extraction (a separate extraction per path parsed each resource once per path).
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
#}
{% macro fhir_string(value) -%}
  nullif(trim({{ value }}), '')
{%- endmacro %}


{% macro fhir_instant(element) -%}
  {%- set value = fhir_string(element) -%}
  case
      when regexp_matches({{ value }}, '(Z|[+-][0-9]{2}:[0-9]{2})$') then timezone('UTC', try_cast({{ value }} as timestamptz))
      else try_cast({{ value }} as timestamp)
  end
{%- endmacro %}


{% macro fhir_reference_id(element) -%}
  {%- set value = fhir_string(element) -%}
  case
      when {{ value }} like 'urn:uuid:%' then substr({{ value }}, 10)
      when {{ value }} like '%?%' then null
      else nullif(regexp_extract({{ value }}, '([^/]+)$', 1), '')
  end
{%- endmacro %}


{% macro fhir_reference_identifier(element) -%}
  {%- set value = fhir_string(element) -%}
  case when {{ value }} like '%?identifier=%' then substr({{ value }}, strpos({{ value }}, '?identifier=') + 12) end
{%- endmacro %}


{% macro fhir_extension(resource, url) -%}
  list_filter(
      cast(json_extract({{ resource }}, '$.extension[*]') as json[]),
      x -> json_extract_string(x, '$.url') = '{{ url }}'
  )[1]
{%- endmacro %}


{#- The clean resources of one type (base_fhir__resources), as the typed FHIR models read them: the raw
    row's address, the resource's id, its JSON text as `resource`, the file's type, its row_fingerprint (of
    the same raw columns: a typed model does not hash the text again), and one column per element (name:
    JSON path), all read in one extraction. -#}
{% macro fhir_resources(resource_type, elements={}) -%}
select
        {{ raw_row_address() }},
        resource_id,
        resource,
        file_type,
        row_fingerprint
        {%- for name in elements %},
        element_values[{{ loop.index }}] as {{ name }}
        {%- endfor %}
    from (
        select
            {{ raw_row_address() }},
            resource_id,
            resource_json as resource,
            file_type,
            row_fingerprint{% if elements %},
            json_extract_string(resource_json, [
                {%- for path in elements.values() %}'{{ path }}'{{ ", " if not loop.last }}{% endfor -%}
            ]) as element_values{% endif %}
        from {{ ref('base_fhir__resources') }}
        where row_status = 'clean' and resource_type = '{{ resource_type }}'
    ) as resource_rows
{%- endmacro %}


{% macro fhir_address_point(resource) -%}
  {%- set point = fhir_extension("json_extract(" ~ resource ~ ", '$.address[0]')",
                                 'http://hl7.org/fhir/StructureDefinition/geolocation') -%}
  try_cast(json_extract_string({{ point }}, '$.extension[0].valueDecimal') as double) as latitude,
        try_cast(json_extract_string({{ point }}, '$.extension[1].valueDecimal') as double) as longitude
{%- endmacro %}
