{#
  Reading raw exports as they are.

  Where the data comes from (vars in dbt_project.yml, or the environment variables HOSPITAL_SYNTHEA_RAW_PATH
  and HOSPITAL_EMR_RAW_PATH when the vars are not given):
    - neither `synthea_raw_path` nor `emr_raw_path` set: the shipped sample (seeds/synthea, seeds/emr);
    - either or both set: those exports, read directly with DuckDB's CSV or Parquet reader; a source that
      is not given contributes no rows (an empty relation with the contract's columns). An EMR path may
      name several files (a folder or a glob): their rows are unioned, each keeping its own file and
      row number (raw_files).
  Encoding (raw_encoding), delimiter and header names (raw_csv_header) follow the rules hospital_warehouse/rawfiles.py
  states for the scripts; `make build` runs the door (hospital_warehouse/quality/door.py) first, so the errors
  raised here are what a user of dbt alone sees.

  On PostgreSQL and Spark the files are landed first by hospital_warehouse/engines/load_raw.py, which reads them
  with the same DuckDB options and header check as below (keep the two in step), and read_raw reads the
  landing (macros/raw/read_raw_landing.sql).

  read_raw() returns a SELECT with every contract column as text under its raw name, plus
  `source_file` (the path given; for a cp1252 file that path too, though DuckDB reads its UTF-8 copy),
  `source_file_stamp` (its size and modification time) and `source_row`
  (1-based data row; the header is row 0). A Parquet file's rows are numbered by the reader's
  file_row_number (plus one), not WITH ORDINALITY: the numbers are the same, but ordinality made DuckDB run
  the scan and everything after it in the pipeline on one thread (writing the 11 million rows of
  procedures.parquet to a table took 16.4 s with it and 8.7 s without). A CSV file has no such column,
  so its rows keep ordinality. Before it reads, it checks the header against raw_contract()
  and stops the build with a message naming the file, the missing column(s) and the expected header.

  Incremental loads: given `loaded_into` (the incremental model's own relation), a file whose path and
  stamp are already in it was loaded by an earlier run and yields no rows, so running a build twice on
  the same files loads nothing twice. A new batch is a new file (or the same path rewritten).
#}

{#- A var given on the command line wins; otherwise the environment variable HOSPITAL_SYNTHEA_RAW_PATH /
    HOSPITAL_EMR_RAW_PATH. The two say the same; the environment variables keep dbt's partial parsing:
    new --vars make dbt parse the whole project again, while the environment variables are
    read only when models run (raw_file), so changing them re-parses nothing (`make build SYNTHEA=...
    EMR=...` and `make batch` pass the paths this way). -#}
{% macro raw_input_paths() %}
  {%- set synthea = var('synthea_raw_path', none) -%}
  {%- set emr = var('emr_raw_path', none) -%}
  {%- set synthea = env_var('HOSPITAL_SYNTHEA_RAW_PATH', '') if synthea in (none, '', 'null', 'None') else synthea -%}
  {%- set emr = env_var('HOSPITAL_EMR_RAW_PATH', '') if emr in (none, '', 'null', 'None') else emr -%}
  {%- set synthea = none if synthea in ('', 'null', 'None') else synthea -%}
  {%- set emr = none if emr in ('', 'null', 'None') else emr -%}
  {%- if synthea is none and emr is none -%}
    {%- do return({'synthea': var('sample_synthea_path'), 'emr': var('sample_emr_path')}) -%}
  {%- endif -%}
  {%- do return({'synthea': synthea, 'emr': emr}) -%}
{% endmacro %}


{% macro sql_string(value) -%}
  '{{ value | replace("'", "''") }}'
{%- endmacro %}


{#- A path as a glob pattern that matches only itself: `[`, `*` and `?` are literal (a folder named
    `export[2024]` is that folder). -#}
{% macro glob_literal(path) -%}
  {{- path | replace('[', '[[]') | replace('*', '[*]') | replace('?', '[?]') -}}
{%- endmacro %}


{% macro glob_files(pattern) %}
  {%- set found = run_query("select file from glob(" ~ sql_string(pattern) ~ ") order by file") -%}
  {%- do return(found.columns[0].values() | list) -%}
{% endmacro %}


{#- The raw files of (source, entity), a list (empty when the source is not given or an optional file is
    absent). Synthea: the folder's <entity>.csv, .csv.gz or .parquet, first match in that order. EMR: the
    path itself when it is a file; else every .csv, .csv.gz and .parquet file of the folder it names;
    else the files a glob pattern matches (EMR='/data/emr/*.csv'); each in name order.
    hospital_warehouse/rawfiles.py states the same rules for the scripts. -#}
{% macro raw_files(source_system, entity) %}
  {%- set spec = raw_contract()[source_system][entity] -%}
  {#- nothing is read while dbt parses, and the paths are not looked at then: an environment variable read
      during parsing is recorded, and changing it re-parses every file that used it -#}
  {%- if not execute -%}{%- do return([]) -%}{%- endif -%}
  {%- set root = raw_input_paths()[source_system] -%}
  {%- if root is none -%}{%- do return([]) -%}{%- endif -%}
  {%- set listing = glob_files(glob_literal(root) ~ '/*') -%}
  {%- if source_system == 'emr' -%}
    {%- set itself = glob_files(glob_literal(root)) -%}
    {%- if itself -%}{%- do return(itself) -%}{%- endif -%}
    {%- set found = [] -%}
    {%- for name in listing if (name | lower).endswith(('.csv', '.csv.gz', '.parquet')) -%}
      {%- do found.append(name) -%}
    {%- endfor -%}
    {%- if not found -%}{%- set found = glob_files(root) -%}{%- endif -%}
    {%- if not found -%}
      {{ exceptions.raise_compiler_error("EMR extract not found: " ~ root ~ " (var emr_raw_path or HOSPITAL_EMR_RAW_PATH). Give a .csv or .parquet file, a folder of them or a glob pattern.") }}
    {%- endif -%}
    {%- do return(found) -%}
  {%- endif -%}
  {%- if listing | length == 0 -%}
    {{ exceptions.raise_compiler_error("Synthea export folder not found or empty: " ~ root ~ " (var synthea_raw_path or HOSPITAL_SYNTHEA_RAW_PATH). It must hold encounters.csv, patients.csv, payers.csv, procedures.csv and organizations.csv (or .parquet).") }}
  {%- endif -%}
  {%- for ext in ['.csv', '.csv.gz', '.parquet'] -%}
    {%- for name in listing -%}
      {%- if ((name | replace('\\', '/')).split('/') | last) == entity ~ ext -%}
        {%- do return([name]) -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if spec.file_required -%}
    {{ exceptions.raise_compiler_error("Synthea export " ~ root ~ " has no " ~ entity ~ ".csv (or .csv.gz, .parquet): this file is required. Expected header: " ~ spec.required | join(',')) }}
  {%- endif -%}
  {%- do return([]) -%}
{% endmacro %}


{#- The encoding raw CSV files are read in: var raw_encoding, else HOSPITAL_RAW_ENCODING
    (`make build ENCODING=...`), else utf-8. One of utf-8, latin-1, utf-16, which DuckDB reads itself, or
    cp1252 (Windows-1252), which DuckDB 1.5 reads only with its encodings extension (not installable
    offline): the door (hospital_warehouse/quality/run.py --stage raw) writes a UTF-8 copy of each such file, and dbt
    reads the copy (raw_read_path). -#}
{% macro raw_encoding() %}
  {%- set name = var('raw_encoding', none) or env_var('HOSPITAL_RAW_ENCODING', '') or 'utf-8' -%}
  {%- set aliases = {'utf-8': 'utf-8', 'utf8': 'utf-8', 'latin-1': 'latin-1', 'latin1': 'latin-1', 'iso-8859-1': 'latin-1',
                     'utf-16': 'utf-16', 'cp1252': 'cp1252', 'windows-1252': 'cp1252', 'win-1252': 'cp1252'} -%}
  {%- set key = name | trim | lower -%}
  {%- if key not in aliases -%}
    {{ exceptions.raise_compiler_error("Unknown raw encoding " ~ name ~ " (ENCODING / HOSPITAL_RAW_ENCODING): use utf-8, latin-1, utf-16 or cp1252") }}
  {%- endif -%}
  {%- do return(aliases[key]) -%}
{% endmacro %}


{#- The encoding DuckDB reads a raw CSV file in: the setting's, or utf-8 for the UTF-8 copy of a cp1252 file. -#}
{% macro duckdb_csv_encoding() -%}
  {{- 'utf-8' if raw_encoding() == 'cp1252' else raw_encoding() -}}
{%- endmacro %}


{#- The file DuckDB reads for a raw CSV file: the file itself, or (cp1252) the UTF-8 copy the door wrote,
    found by the file's name and stamp (hospital_warehouse/rawfiles.py utf8_copy names it the same way). A missing
    copy means the door did not run on this file as it is now: stop and say so. -#}
{% macro raw_read_path(path) %}
  {%- if raw_encoding() != 'cp1252' or path.endswith('.parquet') -%}
    {%- do return(path) -%}
  {%- endif -%}
  {%- set name = path.replace('\\', '/').split('/') | last -%}
  {%- set copy_name = name[:-3] if name.lower().endswith('.gz') else name -%}
  {%- set copy = 'target/raw_utf8/' ~ local_md5(name ~ '|' ~ raw_file_stamp(path)) ~ '-' ~ copy_name -%}
  {%- set found = run_query("select count(*) from glob(" ~ sql_string(glob_literal(copy)) ~ ")") -%}
  {%- if found.rows[0][0] == 0 -%}
    {{ exceptions.raise_compiler_error("Raw file " ~ path ~ " is read as cp1252 (Windows-1252): the door converts it to UTF-8 before dbt runs, and its copy " ~ copy ~ " is missing or older than the file. Run `make build ENCODING=cp1252` (or hospital_warehouse/quality/run.py --stage raw --encoding cp1252) first.") }}
  {%- endif -%}
  {%- do return(copy) -%}
{% endmacro %}


{#- The header of a CSV file: its delimiter (comma, unless only `;`, tab or `|` yields the contract's
    required names) and its column names (unquoted; a blank name, as trailing `,,` give, is column<N>). -#}
{% macro raw_csv_header(path, required) %}
  {%- set first = run_query("select line from read_csv(" ~ sql_string(path) ~ ", header = false, auto_detect = false, parallel = false, delim = chr(1), quote = '', escape = '', encoding = '" ~ duckdb_csv_encoding() ~ "', columns = {'line': 'VARCHAR'}) limit 1") -%}
  {%- if first.rows | length == 0 or first.rows[0][0] is none -%}
    {%- do return({'delimiter': ',', 'names': []}) -%}
  {%- endif -%}
  {%- set line = first.rows[0][0].replace('\ufeff', '').strip('\r\n') -%}
  {%- set ns = namespace(delimiter=',') -%}
  {%- for d in [',', ';', '\t', '|'] | reverse -%}
    {%- set names = [] -%}
    {%- for name in line.split(d) -%}{%- do names.append(unquote_name(name)) -%}{%- endfor -%}
    {%- set ok = namespace(all=true) -%}
    {%- for col in required if col not in names -%}{%- set ok.all = false -%}{%- endfor -%}
    {%- if ok.all -%}{%- set ns.delimiter = d -%}{%- endif -%}
  {%- endfor -%}
  {%- set names = [] -%}
  {%- for name in line.split(ns.delimiter) -%}
    {%- set clean = unquote_name(name) -%}
    {%- do names.append(clean if clean | trim else 'column' ~ loop.index) -%}
  {%- endfor -%}
  {%- do return({'delimiter': ns.delimiter, 'names': names}) -%}
{% endmacro %}


{% macro unquote_name(name) -%}
  {%- set clean = name.strip('\r\n') -%}
  {%- if clean.startswith('"') and clean.endswith('"') and clean | length > 1 -%}
    {%- set clean = clean[1:-1].replace('""', '"') -%}
  {%- endif -%}
  {{- return(clean) -}}
{%- endmacro %}


{# The column names of a raw file, read from its header (CSV) or schema (Parquet), and its delimiter. #}
{% macro raw_header(path, required=[]) %}
  {%- if path.endswith('.parquet') -%}
    {%- set described = run_query("describe select * from read_parquet(" ~ sql_string(path) ~ ")") -%}
    {%- do return({'delimiter': ',', 'names': described.columns[0].values() | list}) -%}
  {%- endif -%}
  {%- do return(raw_csv_header(path, required)) -%}
{% endmacro %}


{# Stop the build unless the header has every required column. Returns the header (names, delimiter). #}
{% macro check_raw_header(source_system, entity, path, readable=none) %}
  {%- set spec = raw_contract()[source_system][entity] -%}
  {%- set header = raw_header(readable or path, spec.required) -%}
  {%- if header.names | length == 0 -%}
    {{ exceptions.raise_compiler_error("Raw file " ~ path ~ " (" ~ source_system ~ " " ~ entity ~ ") is empty: expected a header line " ~ spec.required | join(',')) }}
  {%- endif -%}
  {%- set missing = [] -%}
  {%- for col in spec.required -%}
    {%- if col not in header.names -%}{%- do missing.append(col) -%}{%- endif -%}
  {%- endfor -%}
  {%- if missing -%}
    {{ exceptions.raise_compiler_error("Raw file " ~ path ~ " (" ~ source_system ~ " " ~ entity ~ ") is missing required column(s): " ~ missing | join(', ') ~ ". Expected header (extra columns are allowed, names are case-sensitive): " ~ spec.required | join(',') ~ ". Found: " ~ header.names | join(',') ~ ".") }}
  {%- endif -%}
  {%- do return(header) -%}
{% endmacro %}


{# Size and modification time of a raw file, as text: with the path, what tells a new batch from a file
   already loaded. #}
{% macro raw_file_stamp(path) %}
  {{ return(adapter.dispatch('raw_file_stamp')(path)) }}
{% endmacro %}

{% macro default__raw_file_stamp(path) %}
  {%- set got = run_query("select cast(size as varchar) || '@' || strftime(last_modified, '%Y-%m-%dT%H:%M:%S') from read_blob(" ~ sql_string(path) ~ ")") -%}
  {%- do return(got.rows[0][0]) -%}
{% endmacro %}


{#- The raw file's rows (every engine): the `raw` source of the file is named first, so that dbt's lineage
    (dbt docs, `dbt ls -s source:raw+`) starts at the export; DuckDB reads the file itself and never
    queries that relation (models/staging/_raw__sources.yml). -#}
{% macro read_raw(source_system, entity, loaded_into=none) %}
  {%- do source('raw', source_system ~ '__' ~ entity) -%}
  {{ return(adapter.dispatch('read_raw')(source_system, entity, loaded_into)) }}
{% endmacro %}


{% macro default__read_raw(source_system, entity, loaded_into=none) %}
  {%- set spec = raw_contract()[source_system][entity] -%}
  {%- set columns = spec.required + spec.optional -%}
  {%- set paths = raw_files(source_system, entity) -%}
  {%- if not paths -%}
    {#- the source is not given (or dbt is only parsing): no rows, the contract's columns -#}
    select
    {%- for col in columns %}
        cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(col) }},
    {%- endfor %}
        cast(null as {{ dbt.type_string() }}) as source_file,
        cast(null as {{ dbt.type_string() }}) as source_file_stamp,
        cast(null as {{ dbt.type_bigint() }}) as source_row
    where 1 = 0
  {%- else -%}
    {%- for path in paths %}
    {{- read_raw_file(source_system, entity, path, columns, loaded_into) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
  {%- endif -%}
{% endmacro %}


{#- One raw file's rows: every contract column as text, its path, stamp and row numbers. -#}
{% macro read_raw_file(source_system, entity, path, columns, loaded_into) %}
    {%- set readable = raw_read_path(path) -%}
    {%- set header = check_raw_header(source_system, entity, path, readable) -%}
    {%- set stamp = raw_file_stamp(path) -%}
    {%- set ns = namespace(loaded=false) -%}
    {%- if loaded_into is not none -%}
      {%- set seen = run_query("select count(*) from " ~ loaded_into ~ " where source_file = " ~ sql_string(path)
                               ~ " and source_file_stamp = " ~ sql_string(stamp)) -%}
      {%- set ns.loaded = seen.rows[0][0] > 0 -%}
      {%- if ns.loaded -%}
        {%- do log(source_system ~ " " ~ entity ~ ": " ~ path ~ " (" ~ stamp ~ ") was loaded before; no new rows", info=true) -%}
      {%- endif -%}
    {%- endif -%}
    {%- set parquet = path.endswith('.parquet') %}
    select
    {%- for col in columns %}
      {%- if col in header.names %}
        cast({{ adapter.quote(col) if parquet else adapter.quote(col) }} as {{ dbt.type_string() }}) as {{ adapter.quote(col) }},
      {%- else %}
        cast(null as {{ dbt.type_string() }}) as {{ adapter.quote(col) }},
      {%- endif %}
    {%- endfor %}
        {{ sql_string(path) }} as source_file,
        {{ sql_string(stamp) }} as source_file_stamp,
    {%- if parquet %}
        cast(file_row_number + 1 as {{ dbt.type_bigint() }}) as source_row
    from read_parquet({{ sql_string(path) }}, file_row_number = true)
    {%- else %}
        cast(ordinality as {{ dbt.type_bigint() }}) as source_row
    from read_csv(
        {{ sql_string(readable) }},
        header = true,
        auto_detect = false,
        delim = {{ sql_string(header.delimiter) }},
        quote = '"',
        escape = '"',
        encoding = '{{ duckdb_csv_encoding() }}',
        columns = { {%- for col in header.names %}{{ sql_string(col) }}: 'VARCHAR'{{ ", " if not loop.last }}{%- endfor -%} }
    ) with ordinality
    {%- endif %}
    {%- if ns.loaded %}
    where 1 = 0
    {%- endif %}
{% endmacro %}


{#
  The keyword for a base model's `raw` CTE (`with raw as {{ raw_cte_materialization(...) }} (`), which
  the base model reads twice: once for the grouped row-status pass, once for the typed rows.
    - a Parquet file: `not materialized`, each pass reads the file. The reader is parallel and cheap;
      holding the raw rows was not: read twice is faster and holds far less memory.
    - a CSV file: nothing, so DuckDB holds the parsed rows once (parsing the file twice took longer).
  Other engines read a landing table (read_raw_landing.sql) and get nothing.
#}
{% macro raw_cte_materialization(source_system, entity) %}
  {{ return(adapter.dispatch('raw_cte_materialization')(source_system, entity)) }}
{% endmacro %}

{% macro default__raw_cte_materialization(source_system, entity) %}
  {{ return('') }}
{% endmacro %}

{% macro duckdb__raw_cte_materialization(source_system, entity) %}
  {%- set paths = raw_files(source_system, entity) if execute else [] -%}
  {%- set ns = namespace(parquet=paths | length > 0) -%}
  {%- for path in paths if not path.endswith('.parquet') -%}{%- set ns.parquet = false -%}{%- endfor -%}
  {%- if ns.parquet -%}
    {{ return(cte_not_materialized()) }}
  {%- endif -%}
  {{ return('') }}
{% endmacro %}
