{#
  The readmission windows, fixed at 30 and 60 days: the published columns (fct_stays'
  is_readmitted_30d, is_readmitted_60d ...), the KPI marts and the metrics carry these numbers in their
  names, so they are not a setting. int_stays_windowed_for_readmission computes one set of columns per
  window and mart_readmission_rates one row set per window.
#}
{% macro readmission_window_days() -%}
  {{ return([30, 60]) }}
{%- endmacro %}


{#
  A stay's window of n days is fully observed when its discharge date + n days is on or before the last
  START date of its source (data_end_date): only then can the stay be an index stay. A batch recomputes
  the patients with a stay whose longest window was not yet observed at the previous load's end
  (batch_patients_in_scope, reason window_open).
#}
{% macro readmission_window_observed(n, discharge_date='discharge_date', data_end_date='data_end_date') -%}
  {{ dbt.dateadd('day', n, discharge_date) }} <= {{ data_end_date }}
{%- endmacro %}
