{#- Insurance mix per source, year (visit start) and payer category.
    visit_share = visits / the source-year's visits (sums to 1). patient_share = distinct patients with a
    visit in the category / the source-year's distinct patients: a patient who changed payer during the
    year counts in each category, so patient shares can sum to more than 1.
    claim_success_rate = covered visits / visits billed to a payer other than Uninsured (null for
    Uninsured). coverage_ratio = payer coverage / total claim cost. out_of_pocket = total claim cost -
    payer coverage. -#}

{{ config(materialized=history_materialization(), incremental_strategy='delete+insert',
          unique_key=['source_system', 'visit_year'], on_schema_change='fail') }}

with encounters as (
    select * from {{ ref('fct_encounters') }}
    {{ in_batch_scope('year', key='extract(year from start_date)') }}
),

years as (
    select
        source_system,
        cast(extract(year from start_date) as bigint) as visit_year,
        count(*) as year_visits,
        count(distinct patient_id) as year_patients
    from encounters
    group by 1, 2
),

cells as (
    select
        source_system,
        cast(extract(year from start_date) as bigint) as visit_year,
        coalesce(payer_category, 'unknown') as payer_category,
        count(*) as visits,
        count(distinct patient_id) as patients,
        {{ count_if('is_covered') }} as covered_visits,
        {{ count_if("coalesce(payer_category, 'unknown') <> 'Uninsured'") }} as billed_visits,
        sum(total_claim_cost) as total_cost,
        -- coverage of the visits whose cost is known: the coverage ratio compares like with like
        sum(case when total_claim_cost is not null then payer_coverage end) as total_coverage,
        sum(out_of_pocket) as out_of_pocket
    from encounters
    group by 1, 2, 3
),

final as (
    select
        cells.source_system,
        cells.visit_year,
        cells.payer_category,
        {{ small_cell('cells.visits', ['cells.visits']) }} as visits,
        {{ small_cell('cells.patients', ['cells.patients']) }} as patients,
        cast(years.year_visits as bigint) as year_visits,
        cast(years.year_patients as bigint) as year_patients,
        {{ small_cell(ratio('cells.visits', 'years.year_visits'), ['cells.visits']) }} as visit_share,
        {{ small_cell(ratio('cells.patients', 'years.year_patients'), ['cells.patients']) }} as patient_share,
        {{ small_cell('cells.covered_visits', ['cells.covered_visits']) }} as covered_visits,
        {{ small_cell('cells.billed_visits', ['cells.billed_visits']) }} as billed_visits,
        {{ small_cell(ratio('cells.covered_visits', 'cells.billed_visits'), ['cells.covered_visits', 'cells.billed_visits']) }}
            as claim_success_rate,
        {{ small_cell(money('cells.total_cost'), ['cells.visits']) }} as total_cost,
        {{ small_cell(money('cells.total_coverage'), ['cells.visits']) }} as total_coverage,
        {{ small_cell(ratio('cells.total_coverage', 'cells.total_cost'), ['cells.visits']) }} as coverage_ratio,
        {{ small_cell(money('cells.out_of_pocket'), ['cells.visits']) }} as out_of_pocket,
        {{ small_cell_flag(['cells.visits', 'cells.patients', 'cells.covered_visits', 'cells.billed_visits']) }} as suppressed
    from cells
    inner join years
        on cells.source_system = years.source_system
            and cells.visit_year = years.visit_year
)

select * from final
