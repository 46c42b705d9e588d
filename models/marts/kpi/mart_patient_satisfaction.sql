{#- Patient satisfaction per source, department and month (EMR extended extract only; Synthea has no
    scores, so no rows): responses (visits with a 1-5 score), mean score, top-box share (score 5), and the
    month-over-month trend: the department's previous month with responses, and the change in mean
    score since then. score_sum and top_box_responses let a BI tool re-aggregate. -#}

with encounters as (
    select * from {{ ref('fct_encounters') }}
    where satisfaction_score is not null
),

cells as (
    select
        source_system,
        coalesce(department, 'unknown') as department,
        start_month as month_start,
        count(*) as responses,
        sum(satisfaction_score) as score_sum,
        {{ count_if('satisfaction_score = 5') }} as top_box_responses
    from encounters
    group by 1, 2, 3
),

trended as (
    select
        *,
        {{ ratio('score_sum', 'responses') }} as mean_score,
        lag(month_start) over (partition by source_system, department order by month_start) as previous_month_start,
        lag({{ ratio('score_sum', 'responses') }}) over (partition by source_system, department order by month_start)
            as previous_mean_score,
        lag(responses) over (partition by source_system, department order by month_start) as previous_responses
    from cells
),

final as (
    select
        source_system,
        department,
        month_start,
        {{ small_cell('responses') }} as responses,
        {{ small_cell('cast(score_sum as bigint)', ['responses']) }} as score_sum,
        {{ small_cell('top_box_responses', ['responses', 'top_box_responses']) }} as top_box_responses,
        {{ small_cell('mean_score', ['responses']) }} as mean_score,
        {{ small_cell(ratio('top_box_responses', 'responses'), ['responses', 'top_box_responses']) }} as top_box_share,
        previous_month_start,
        {{ small_cell('previous_mean_score', ['previous_responses']) }} as previous_mean_score,
        {{ small_cell('mean_score - previous_mean_score', ['responses', 'previous_responses']) }} as mean_score_change,
        {{ small_cell_flag(['responses', 'top_box_responses']) }} as suppressed
    from trended
)

select * from final
