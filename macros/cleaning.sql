{#
  Typing and repair helpers used by every staging model. Each is dispatched, so another adapter can
  supply its own version (default__ is the DuckDB form). The repairs they make are documented in
  docs/data_contract.md ("Repairs").
#}

{# Trimmed text; blank becomes null. #}
{% macro clean_text(expr) -%}
  {{ return(adapter.dispatch('clean_text')(expr)) }}
{%- endmacro %}

{% macro default__clean_text(expr) -%}
  nullif(trim({{ expr }}), '')
{%- endmacro %}

{#- DuckDB: the same value, cheaper. trim() there removes Unicode space separators (U+0020, U+00A0, ...) and
    copies every string it returns; for an ASCII value (as many bytes as characters) it changes something
    only when the value starts or ends with a space, so only those values and non-ASCII ones go through
    trim() (docs/decisions.md, "Measured choices in the code"). -#}
{% macro duckdb__clean_text(expr) -%}
  case
      when {{ expr }} like ' %' or {{ expr }} like '% ' or strlen({{ expr }}) <> length({{ expr }})
          then nullif(trim({{ expr }}), '')
      else nullif({{ expr }}, '')
  end
{%- endmacro %}


{# `2011-01-02T01:45:18Z` (also without Z, or with a space) as a naive UTC timestamp; null if unparseable.
   strptime never consults the session time zone, so the value is the UTC wall time whatever it is. #}
{% macro parse_utc_timestamp(expr) -%}
  {{ return(adapter.dispatch('parse_utc_timestamp')(expr)) }}
{%- endmacro %}

{#- The export's own format is tried alone first; the others only where it fails (coalesce evaluates its
    second argument for those rows only): the same result as one try_strptime over the four formats, in a
    third less time. -#}
{% macro default__parse_utc_timestamp(expr) -%}
  coalesce(
      try_strptime({{ clean_text(expr) }}, '%Y-%m-%dT%H:%M:%SZ'),
      try_strptime({{ clean_text(expr) }}, ['%Y-%m-%dT%H:%M:%S', '%Y-%m-%d %H:%M:%S', '%Y-%m-%dT%H:%M:%S.%fZ'])
  )
{%- endmacro %}


{# A date written YYYY-MM-DD or DD-MM-YYYY (the year's position tells them apart); null if unparseable. #}
{#- order: an SQL expression naming the order of a file's DD-MM-YYYY / MM-DD-YYYY dates, 'dmy' or 'mdy'
    (date_order_of_file); none reads them day-first. -#}
{% macro parse_date(expr, order=none) -%}
  {{ return(adapter.dispatch('parse_date')(expr, order)) }}
{%- endmacro %}

{% macro default__parse_date(expr, order=none) -%}
  {%- if order is none -%}
  cast(try_strptime({{ clean_text(expr) }}, ['%Y-%m-%d', '%d-%m-%Y']) as date)
  {%- else -%}
  case
      when {{ order }} = 'mdy' then cast(try_strptime({{ clean_text(expr) }}, ['%Y-%m-%d', '%m-%d-%Y']) as date)
      else cast(try_strptime({{ clean_text(expr) }}, ['%Y-%m-%d', '%d-%m-%Y']) as date)
  end
  {%- endif -%}
{%- endmacro %}

{# A date written YYYY-MM-DD (a FHIR date), null otherwise: a value with anything more is not read. #}
{% macro try_iso_date(expr) -%}
  {{ return(adapter.dispatch('try_iso_date')(expr)) }}
{%- endmacro %}

{% macro default__try_iso_date(expr) -%}
  cast(try_strptime({{ expr }}, '%Y-%m-%d') as date)
{%- endmacro %}


{#- Whether a date written with the year last proves its order: part 1 (the first number) or part 2 over 12
    can only be a day. -#}
{% macro date_part_over_12(expr, part) -%}
  coalesce({{ regex_match(clean_text(expr), dmy_date_pattern()) }}
           and {{ try_number("split_part(" ~ clean_text(expr) ~ ", '-', " ~ part ~ ")", 'integer') }} > 12, false)
{%- endmacro %}


{#- The order of a file's year-last dates, from every value of the date columns given (docs/data_contract.md,
    "Dates"): var emr_date_order (or HOSPITAL_DATE_ORDER, `hospital build --date-order`) when set; else
    month-first when some value proves it and none proves day-first; else day-first, the default (the
    door stops a file that proves both). An aggregate over a file's rows: use with `group by source_file`. -#}
{% macro date_order_of_file(columns) -%}
  {%- set forced = var('emr_date_order', none) or (env_var('HOSPITAL_DATE_ORDER', '') if execute else '') -%}
  {%- if forced and forced | lower not in ('dmy', 'mdy') -%}
    {{ exceptions.raise_compiler_error("DATE_ORDER / HOSPITAL_DATE_ORDER / var emr_date_order is " ~ forced ~ ": use dmy (day first) or mdy (month first)") }}
  {%- endif -%}
  {%- if forced -%}
  '{{ forced | lower }}'
  {%- else -%}
  case
      when bool_or({% for c in columns %}{{ date_part_over_12(c, 2) }}{{ ' or ' if not loop.last }}{% endfor %})
          and not bool_or({% for c in columns %}{{ date_part_over_12(c, 1) }}{{ ' or ' if not loop.last }}{% endfor %})
          then 'mdy'
      else 'dmy'
  end
  {%- endif -%}
{%- endmacro %}


{# Text converted to a number type, null where it is not a number (named apart from dbt's own safe_cast,
   which unit-test fixtures use with every type). #}
{% macro try_number(expr, data_type) -%}
  {{ return(adapter.dispatch('try_number')(expr, data_type)) }}
{%- endmacro %}

{% macro default__try_number(expr, data_type) -%}
  try_cast({{ expr }} as {{ data_type }})
{%- endmacro %}


{# The forms DuckDB's try_strptime and try_cast read, as regular expressions: the engines without those
   functions (macros/engines) convert only the values that match, so that every engine nulls the same
   values. #}
{% macro ymd_date_pattern() -%}
  {{ return('^\\d{4}-\\d{1,2}-\\d{1,2}$') }}
{%- endmacro %}

{% macro dmy_date_pattern() -%}
  {{ return('^\\d{1,2}-\\d{1,2}-\\d{4}$') }}
{%- endmacro %}

{% macro plain_number_pattern() -%}
  {{ return('^\\s*[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?\\s*$') }}
{%- endmacro %}

{# A plain decimal number (`129.16`, `-5`, `59.0`); anything else, `$1,200` included, is null. #}
{% macro parse_number(expr, data_type='decimal(18,2)') -%}
  {{ try_number(clean_text(expr), data_type) }}
{%- endmacro %}


{# Money: a plain amount (`129.16`, `-5`); exponent notation (`1e3`) is not an amount an export writes, so it is
   null like any other unreadable value, and the model's unparseable_* issue code says so. #}
{% macro parse_amount(expr) -%}
  case when {{ clean_text(expr) }} not like '%e%' and {{ clean_text(expr) }} not like '%E%'
      then {{ parse_number(expr) }} end
{%- endmacro %}


{# Description without its SNOMED semantic tag: `Encounter for problem (procedure)` -> `Encounter for problem`. #}
{% macro snomed_description(expr) -%}
  nullif(trim(regexp_replace(trim({{ expr }}), {{ regex_literal('\\s*\\((procedure|finding|disorder|situation|environment|regime/therapy|observable entity|qualifier value|morphologic abnormality|person|event|substance|body structure)\\)$') }}, '')), '')
{%- endmacro %}


{# A regular expression as an SQL string literal. Spark reads backslashes in string literals as escapes
   ('\d' is the letter d), so there they are doubled; the other engines take the text as it is. #}
{% macro regex_literal(pattern) -%}
  {{ return(adapter.dispatch('regex_literal')(pattern)) }}
{%- endmacro %}

{% macro default__regex_literal(pattern) -%}
  '{{ pattern }}'
{%- endmacro %}


{# Comma-separated list of the codes whose condition holds, null when none does.
   checks: list of (sql condition, code) pairs. #}
{% macro issue_list(checks) -%}
  nullif(concat_ws(','
    {%- for condition, code in checks %},
      case when {{ condition }} then '{{ code }}' end
    {%- endfor %}
  ), '')
{%- endmacro %}


{# A stable fingerprint of a list of columns (null and '' told apart): the md5 of the values joined by '|'.
   quote_names: the list holds raw column names to quote (`Patient ID`), not SQL expressions.
   DuckDB keeps the md5 as its 128-bit number (md5_number): at ten million rows, grouping, joining and
   storing a number instead of 32 hex characters is markedly faster on the largest staging models. Other
   engines keep the hex text. #}
{% macro row_fingerprint(columns, quote_names=false) -%}
  {{ adapter.dispatch('md5_fingerprint')(fingerprint_text(columns, quote_names)) }}
{%- endmacro %}

{% macro fingerprint_text(columns, quote_names) -%}
  concat_ws('|'
    {%- for col in columns %},
      coalesce(cast({{ adapter.quote(col) if quote_names else col }} as {{ dbt.type_string() }}), '<null>')
    {%- endfor %}
  )
{%- endmacro %}

{% macro default__md5_fingerprint(text) -%}
  md5({{ text }})
{%- endmacro %}

{% macro duckdb__md5_fingerprint(text) -%}
  md5_number({{ text }})
{%- endmacro %}


{# True where the text matches a regular expression (partial match). #}
{% macro regex_match(expr, pattern) -%}
  {{ return(adapter.dispatch('regex_match')(expr, pattern)) }}
{%- endmacro %}

{% macro default__regex_match(expr, pattern) -%}
  regexp_matches({{ expr }}, {{ regex_literal(pattern) }})
{%- endmacro %}


{# The raw row as a JSON text object, kept with rejected rows so nothing is lost: keys are the raw column
   names, values the columns `prefix` + name (raw_kept_prefix(), see raw_columns_kept). #}
{% macro raw_record_json(columns, prefix) -%}
  {{ return(adapter.dispatch('raw_record_json')(columns, prefix)) }}
{%- endmacro %}

{% macro default__raw_record_json(columns, prefix) -%}
  cast(json_object(
    {%- for col in columns %}
      {{ sql_string(col) }}, {{ adapter.quote(prefix ~ col) }}{{ "," if not loop.last }}
    {%- endfor %}
  ) as {{ dbt.type_string() }})
{%- endmacro %}


{# The raw values carried, untouched, from the typed CTE to the final select, where base_row_bookkeeping
   turns them into raw_record for the rows that are not clean. Building the JSON there, for about 3% of
   rows, instead of for every row in the typed CTE, saves building it for the other 97%. Renamed with a
   prefix: DuckDB's names are case-insensitive, so `"Age"` would clash with a typed column `age`. #}
{% macro raw_kept_prefix() -%}
  {{ return('raw__') }}
{%- endmacro %}

{% macro raw_columns_kept(columns) -%}
  {%- for col in columns %}
        {{ adapter.quote(col) }} as {{ adapter.quote(raw_kept_prefix() ~ col) }}{{ "," if not loop.last }}
  {%- endfor %}
{%- endmacro %}


{#
  The row status of every row, shared by every base model: the body of the model's `classified` CTE,
      classified as (
          {{ row_status('repaired', 'encounter_id', rejections=[...]) }}
      ),
  one query (its own steps in a `with` of their own) over the model's CTE `from_cte`, which has
  `source_row`, `row_fingerprint` (what makes two rows the same) and the key column `key`. It selects
  every column of from_cte, with is_repeated_copy, has_conflicting_key, row_status and rejection_reason:
    - a row whose fingerprint was already seen at an earlier source_row (across_files: at an earlier
      (source_file, source_row), for a delivery of several files; or, in an incremental run, in a row
      loaded before) is a `duplicate` (dropped, counted);
    - otherwise the first of `rejections` (list of (condition, reason)) that holds quarantines it;
      the condition `has_conflicting_key` is true where rows share `key` but differ in fingerprint
      (in an incremental run, also where an earlier-loaded row has the key with another fingerprint);
    - otherwise it is `clean`.
  Duplicates and conflicts are found with one grouped pass over (key, fingerprint), joined back for the
  few rows they concern: window functions over whole files sorted every column and spilled at ten
  million rows.
#}
{% macro row_status(from_cte, key, rejections, group_from=none, across_files=false) -%}
{#- The grouped pass reads `group_from` (default from_cte): a CTE that already has source_row,
    row_fingerprint and the key, before any join, so that it skips the joins. Not materialized: the
    grouped pass and the row pass each compute only the columns they need from the raw rows, where holding
    the whole typed row for ten million rows spilled to disk. #}
with status_input as {{ cte_not_materialized() }} (
    select * from {{ group_from or from_cte }}
),

{%- if across_files %}

-- a delivery of several files (an EMR folder or glob): the first copy of a row is the first in (file, row)
-- order, so the same rows sent twice under two names are duplicates. One grouped pass per file, then one
-- over the few (key, fingerprint) pairs.
file_fingerprints as (
    select {{ key }} as row_key, row_fingerprint, source_file, min(source_row) as first_source_row, count(*) as copies
    from status_input
    group by {{ key }}, row_fingerprint, source_file
),

key_fingerprints as (
    select row_key, row_fingerprint, min(source_file) as first_source_file, sum(copies) as copies
    from file_fingerprints
    group by row_key, row_fingerprint
),

repeated_fingerprints as (
    select key_fingerprints.row_fingerprint, key_fingerprints.first_source_file, file_fingerprints.first_source_row
    from key_fingerprints
    inner join file_fingerprints
        on key_fingerprints.row_fingerprint = file_fingerprints.row_fingerprint
        and key_fingerprints.first_source_file = file_fingerprints.source_file
    where key_fingerprints.copies > 1
),
{%- else %}

-- one grouped pass: every (key, fingerprint) with its first row and its number of rows (the key is a
-- function of the row's values, so equal fingerprints share a key)
key_fingerprints as (
    select {{ key }} as row_key, row_fingerprint, min(source_row) as first_source_row, count(*) as copies
    from status_input
    group by {{ key }}, row_fingerprint
),

repeated_fingerprints as (
    select row_fingerprint, first_source_row
    from key_fingerprints
    where copies > 1
),
{%- endif %}

{%- if is_incremental() %}

-- the rows loaded before that share a key with the file, and those loaded without a key (their key is
-- null; a filter on null reads only the row groups whose statistics hold nulls). One scan of the history
-- serves both uses below.
loaded_before as {{ cte_materialized() }} (
    select {{ key }} as loaded_key, row_fingerprint as loaded_fingerprint
    from {{ this }}
    where {{ key }} in (select row_key from key_fingerprints)
    union all
    select {{ key }} as loaded_key, row_fingerprint as loaded_fingerprint
    from {{ this }}
    where {{ key }} is null
),

-- the file's fingerprints that a row loaded before already has. The key is a function of the row's
-- values, so a row loaded before with the same fingerprint has the same key (or none): it is among
-- loaded_before, and the history is not scanned a second time for fingerprints.
fingerprints_loaded_before as (
    select distinct loaded_fingerprint as row_fingerprint
    from loaded_before
    where loaded_fingerprint in (select row_fingerprint from key_fingerprints)
),
{%- endif %}

-- a key with more than one fingerprint (key_fingerprints has one row per distinct pair, so counting the
-- rows of a key counts its fingerprints; cheaper than comparing min and max fingerprints)
conflicting_keys as (
    select row_key as conflicting_key
    from (
        select row_key, row_fingerprint from key_fingerprints where row_key is not null
        {%- if is_incremental() %}
        union
        select loaded_key, loaded_fingerprint from loaded_before where loaded_key is not null
        {%- endif %}
    ) as keyed_fingerprints
    group by row_key
    having count(*) > 1
),

keyed as (
    select
        status_rows.*,
        {%- if across_files %}
        coalesce(status_rows.source_file > repeated_fingerprints.first_source_file
                 or (status_rows.source_file = repeated_fingerprints.first_source_file
                     and status_rows.source_row > repeated_fingerprints.first_source_row), false)
        {%- else %}
        coalesce(status_rows.source_row > repeated_fingerprints.first_source_row, false)
        {%- endif %}
        {%- if is_incremental() %}
            or status_rows.row_fingerprint in (select row_fingerprint from fingerprints_loaded_before)
        {%- endif %} as is_repeated_copy,
        conflicting_keys.conflicting_key is not null as has_conflicting_key
    from {{ from_cte }} as status_rows
    left join repeated_fingerprints
        on status_rows.row_fingerprint = repeated_fingerprints.row_fingerprint
    left join conflicting_keys
        on status_rows.{{ key }} = conflicting_keys.conflicting_key
)

select
        *,
        case
            when is_repeated_copy then 'duplicate'
            {%- for condition, reason in rejections %}
            when {{ condition }} then 'quarantined'
            {%- endfor %}
            else 'clean'
        end as row_status,
        case
            when is_repeated_copy then cast(null as {{ dbt.type_string() }})
            {%- for condition, reason in rejections %}
            when {{ condition }} then '{{ reason }}'
            {%- endfor %}
        end as rejection_reason
    from keyed
{%- endmacro %}


{#- Where a raw row came from, as macro read_raw gives it: the file's path, the file's stamp (its size and
    modification time, which tell a delivery apart from the same file delivered again) and the row's line
    number in it. Every base model carries these three columns first; `relation` names the CTE when a
    select joins others. -#}
{% macro raw_row_address(relation=none) -%}
  {%- set prefix = relation ~ '.' if relation else '' -%}
  {{ prefix }}source_file,
        {{ prefix }}source_file_stamp,
        {{ prefix }}source_row
{%- endmacro %}


{#- The raw row as a typed CTE keeps it, from the raw columns of the file's contract: row_fingerprint (what
    makes two rows the same) and each raw value under its prefixed name (raw_columns_kept), from which
    base_row_bookkeeping writes the raw_record of a row not clean. -#}
{% macro raw_row_kept(raw_columns) -%}
  {{ row_fingerprint(raw_columns, quote_names=true) }} as row_fingerprint,
        {{ raw_columns_kept(raw_columns) }}
{%- endmacro %}


{#
  The bookkeeping columns closing every base model's final select:
    - source_file_stamp: size and modification time of the raw file (with source_file, what tells a new
      batch from a file already loaded);
    - row_fingerprint: what makes two rows the same (an incremental run finds copies of rows loaded before);
    - loaded_at: when the dbt run that loaded the row started (UTC); incremental models downstream take the
      rows loaded by the current run;
    - row_status, rejection_reason;
    - raw_record: the raw row as JSON for rows not clean (quarantined or duplicate), from the raw values
      that raw_columns_kept(raw_columns) carried; a clean row's values are its typed columns, and keeping
      the JSON of every row doubled the warehouse at ten million rows.
#}
{% macro base_row_bookkeeping(raw_columns) -%}
source_file_stamp,
        row_fingerprint,
        {{ run_loaded_at() }} as loaded_at,
        row_status,
        rejection_reason,
        case when row_status <> 'clean' then {{ raw_record_json(raw_columns, raw_kept_prefix()) }} end as raw_record
{%- endmacro %}


{# The start of the current dbt run (UTC) as a timestamp literal: the loaded_at of every row it loads. #}
{% macro run_loaded_at() -%}
  {{ dbt.cast("'" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') ~ "'", dbt.type_timestamp()) }}
{%- endmacro %}


{# The day the build judges dates against: var build_date ('YYYY-MM-DD') when set, otherwise the UTC day
   the dbt run started. #}
{% macro build_date() -%}
  {%- set day = var('build_date', none) or run_started_at.strftime('%Y-%m-%d') -%}
  {{ dbt.cast("'" ~ day ~ "'", 'date') }}
{%- endmacro %}


{# True when a visit's start (a date or timestamp) lies after the build date plus var future_grace_days: a
   visit the source cannot have seen yet. Such rows are quarantined so that they never stretch the calendar. #}
{# True when a birth date lies further back than var max_age_years from the build date. #}
{% macro birth_too_long_ago(expr) -%}
  {{ dbt.cast(expr, 'date') }} < {{ dbt.dateadd('year', -var('max_age_years'), build_date()) }}
{%- endmacro %}


{% macro is_future_start(expr) -%}
  {{ dbt.cast(expr, 'date') }} > {{ dbt.dateadd('day', var('future_grace_days'), build_date()) }}
{%- endmacro %}


{# The keyword telling the engine what to do with a CTE read several times: `not materialized`, recompute
   it at each use (cheaper than holding it), or `materialized`, compute it once (a scan of a large history).
   DuckDB and Postgres 12+ accept both; engines without the keywords get nothing. #}
{% macro cte_not_materialized() -%}
  {{ return(cte_materialization('not materialized')) }}
{%- endmacro %}

{% macro cte_materialized() -%}
  {{ return(cte_materialization('materialized')) }}
{%- endmacro %}

{% macro cte_materialization(keyword) -%}
  {{ return(adapter.dispatch('cte_materialization')(keyword)) }}
{%- endmacro %}

{% macro default__cte_materialization(keyword) -%}
  {{ return('') }}
{%- endmacro %}

{% macro duckdb__cte_materialization(keyword) -%}
  {{ return(keyword) }}
{%- endmacro %}

{% macro postgres__cte_materialization(keyword) -%}
  {{ return(keyword) }}
{%- endmacro %}


{#- The quarantined rows of a source's base models, in one shape (the body of stg_<source>__quarantine's
    `final`): tables is a list of (raw table, key column), each read from base_<source>__<raw table>. -#}
{% macro quarantined_rows(source_system, tables) -%}
{%- for entity, key in tables %}
    select
        source_system,
        '{{ entity }}' as raw_table,
        source_file,
        source_file_stamp,
        source_row,
        loaded_at,
        {{ key }} as record_key,
        rejection_reason,
        raw_record
    from {{ ref('base_' ~ source_system ~ '__' ~ entity) }}
    where row_status = 'quarantined'
    {{- "\n    union all" if not loop.last }}
{%- endfor %}
{%- endmacro %}


{#- Whether a value, or a row of values, is among the rows of a CTE (false where it is not, or is null):
    a lookup that only answers yes or no. values: the SQL expressions looked up; columns: the CTE's columns
    they are looked up in, in the same order. found_in gives the answer; found_in_join goes after the
    select's `from` (nothing on DuckDB and Spark); alias names the lookup when a select makes two in one CTE.
    - DuckDB and Spark: `coalesce(value in (select column from cte), false)`. The engine builds its hash
      table on the CTE whatever it estimates, where a left join let DuckDB build it on the other side when
      it misjudged a CSV file's rows (every typed row of the file, wide, in the hash table; docs/decisions.md).
    - PostgreSQL: a left join on the CTE's distinct rows. Its `in (select ...)` in a select list is hashed
      only while the CTE fits in hash_mem; past that it scans the CTE once per row. -#}
{% macro found_in(values, cte, columns, alias=none) -%}
  {{ return(adapter.dispatch('found_in')(values, cte, columns, alias or 'found_' ~ cte)) }}
{%- endmacro %}

{% macro default__found_in(values, cte, columns, alias) -%}
  {%- set looked_up = values[0] if values | length == 1 else '(' ~ values | join(', ') ~ ')' -%}
  coalesce({{ looked_up }} in (select {{ columns | join(', ') }} from {{ cte }}), false)
{%- endmacro %}

{% macro found_in_join(values, cte, columns, alias=none) -%}
  {{ return(adapter.dispatch('found_in_join')(values, cte, columns, alias or 'found_' ~ cte)) }}
{%- endmacro %}

{% macro default__found_in_join(values, cte, columns, alias) -%}
{%- endmacro %}
