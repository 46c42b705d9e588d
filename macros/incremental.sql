{#
  Incremental builds (docs/incremental.md).

  The five large base models append the rows of a new raw-file delivery, stamped with loaded_at (the
  start of the run, run_loaded_at()). Downstream, the incremental models recompute only what those rows
  touch and replace it (delete+insert), stamping what they rewrote with refreshed_at = run_loaded_at():
    - encounter-level models (enriched encounters, encounters unioned, diagnoses, vitals, fct_encounters,
      fct_procedures) take the encounters loaded or refreshed in this run;
    - patient-level models (stays, their readmission windows, infections, acute revisits, fct_stays)
      recompute every row of the patients those encounters belong to, because a new admission can extend
      a stay or close a readmission window opened long before.
  A full build (first run, or --full-refresh) computes everything, with the same code.

  in_this_run(column): the rows a run loaded or rewrote.
  where_in_scope(keys, scope): in an incremental run, a WHERE keeping the rows whose keys are in the
  CTE `scope` (each incremental model defines that CTE: what this run must recompute).
#}
{% macro in_this_run(column='refreshed_at') -%}
  {{ column }} = {{ run_loaded_at() }}
{%- endmacro %}


{# A filter that keeps the rows whose keys appear in the CTE `scope` (same column names), in an
   incremental run only. #}
{% macro where_in_scope(keys, scope='scope') -%}
  {%- if is_incremental() -%}
    where ({% for k in keys %}{{ k }}{{ ", " if not loop.last }}{% endfor %})
        in (select {% for k in keys %}{{ k }}{{ ", " if not loop.last }}{% endfor %} from {{ scope }})
  {%- endif -%}
{%- endmacro %}
