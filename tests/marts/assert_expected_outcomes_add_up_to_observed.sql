-- Indirect standardization: over the reference population, each outcome's expected add up to its observed
-- (each stratum's rate is its reference stays' observed over their number). Tolerance: 1e-6 per 1,000 stays
-- (floating-point sums). Returns the outcomes that do not.
select
    source_system,
    outcome,
    sum(observed) as observed,
    sum(expected) as expected
from {{ ref('fct_stay_expected_outcomes') }}
where is_reference
group by source_system, outcome
having abs(sum(observed) - sum(expected)) > 0.000001 * (1 + count(*) / 1000.0)
