// The KPI dashboard's logic. Charts: Plotly (inlined by build_dashboard.py). Data: the marts' rows, embedded
// as columns and rows. Filters pick rows and add up numerators and denominators; a rate is never averaged.
// A rate or average over 1..threshold cases (or a cell the small-cell rule suppressed) shows as "n < N".
(function () {
  "use strict";

  const RAW = JSON.parse(document.getElementById("data").textContent);
  const META = RAW.meta;
  const T = {};
  for (const [name, t] of Object.entries(RAW.tables)) {
    T[name] = t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]])));
  }
  const THRESHOLD = META.small_cell_threshold;
  const SMALL = "n < " + (THRESHOLD + 1);
  const ALL = "All";
  const params = new URLSearchParams(location.search);
  const PRINT = params.get("print") === "1";
  const state = {
    source: params.get("source") || "all", year: params.get("year") || "all",
    department: params.get("department") || ALL, age: params.get("age") || ALL, organization: params.get("organization"),
  };

  // ------------------------------------------------------------------ numbers
  const sum = (rows, k) => rows.reduce((a, r) => a + (r[k] == null ? 0 : Number(r[k])), 0);
  const fmt = {
    int: (v) => Math.round(v).toLocaleString("en-US"),
    money: (v) => "$" + Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 }),
    pct: (v) => (v * 100).toFixed(1) + "%",
    dec2: (v) => Number(v).toFixed(2),
  };
  // A measure: {value, text}. value is null when it cannot be shown; text says why.
  function count(v, suppressed) {
    if (v == null) return { value: null, text: suppressed ? SMALL : "n/a" };
    return { value: Number(v), text: fmt.int(v) };
  }
  function ratio(numerator, denominator, format, suppressed) {
    if (denominator == null) return { value: null, text: suppressed ? SMALL : "n/a" };
    if (denominator === 0 || numerator == null) return { value: null, text: "n/a" };
    if (denominator <= THRESHOLD) return { value: null, text: SMALL };
    const v = numerator / denominator;
    return { value: v, text: format(v) };
  }
  // a chart's point: the ratio's value, null where a number is not shown (no cases, n < N, suppressed)
  const rateOrNull = (n, d) => ratio(n, d, String).value;
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const yearOf = (d) => String(d).slice(0, 4);
  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const monthName = (d) => MONTHS[Number(String(d).slice(5, 7)) - 1] + " " + yearOf(d);
  function monthBefore(d) {
    const y = Number(yearOf(d)), m = Number(String(d).slice(5, 7));
    return m === 1 ? (y - 1) + "-12-01" : y + "-" + String(m - 1).padStart(2, "0") + "-01";
  }
  function groupBy(rows, keyOf) {
    const m = new Map();
    for (const r of rows) {
      const k = typeof keyOf === "function" ? keyOf(r) : (r[keyOf] == null ? "unknown" : r[keyOf]);
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(r);
    }
    return m;
  }
  const clip = (text, n) => { const t = String(text || ""); return t.length > n ? t.slice(0, n - 1) + "…" : t; };
  const sorted = (values) => Array.from(new Set(values)).sort((a, b) => String(a).localeCompare(String(b)));

  // ------------------------------------------------------------------ the selection
  const SOURCES = sorted(T.summary.map((r) => r.source_system));
  const selectedSources = () => (state.source === "all" ? SOURCES : [state.source]);
  const ofSources = (rows) => rows.filter((r) => selectedSources().includes(r.source_system));
  const inYear = (rows, key) => (state.year === "all" ? rows : rows.filter((r) => r[key] != null && yearOf(r[key]) === state.year));
  const selected = (rows, key) => inYear(ofSources(rows), key);
  const byDepartment = (rows) => (state.department === ALL ? rows : rows.filter((r) => r.department === state.department));
  const byAge = (rows) => (state.age === ALL ? rows : rows.filter((r) => r.age_group === state.age));
  const yearText = () => (state.year === "all" ? "all years" : state.year);
  const appliesNote = (applied, ignored) => "Filters applied: " + applied + "." + (ignored ? " Not by " + ignored + " (the mart has no such column)." : "");

  // which summary measures each source can supply at all: a null in a suppressed row is then a small cell
  const AVAILABLE = {};
  for (const r of T.summary) {
    const a = (AVAILABLE[r.source_system] = AVAILABLE[r.source_system] || {});
    for (const [k, v] of Object.entries(r)) if (v != null && v !== 0) a[k] = true;
  }

  // The summary rows of the selection, added up over the selected sources. grain 'all' | 'year' | 'month'.
  const SUMMED = ["visits", "patients", "visits_with_cost", "total_cost", "index_stays_30d", "readmissions_30d",
    "reported_visits", "reported_readmissions", "satisfaction_responses", "stays_with_los", "total_los_days"];
  function summaryCell(grain, periodStart) {
    const rows = ofSources(T.summary).filter((r) => r.period_grain === grain &&
      (grain === "all" || r.period_start === periodStart) && r.department === state.department && r.age_group === state.age);
    const cell = { rows, complete: rows.every((r) => r.is_complete_period), hidden: {} };
    for (const k of SUMMED) {
      const known = rows.filter((r) => r[k] != null);
      cell[k] = known.length ? sum(known, k) : null;
      cell.hidden[k] = rows.some((r) => r[k] == null && r.suppressed && AVAILABLE[r.source_system][k]);
    }
    const sat = rows.filter((r) => r.mean_satisfaction != null && r.satisfaction_responses != null);
    cell.satisfaction_sum = sat.length ? sat.reduce((a, r) => a + r.mean_satisfaction * r.satisfaction_responses, 0) : null;
    cell.active = rows.some((r) => (r.visits || 0) + (r.stays_with_los || 0) + (r.index_stays_30d || 0) > 0);
    return cell;
  }
  const KPIS = [
    { key: "patients", label: "Patients", higher: true, of: (c) => (c.hidden.patients ? count(null, true) : count(c.patients)) },
    { key: "visits", label: "Visits", higher: true, of: (c) => (c.hidden.visits ? count(null, true) : count(c.visits)) },
    { key: "revenue_per_patient", label: "Avg revenue per patient", higher: true,
      of: (c) => ratio(c.total_cost, c.patients, fmt.money, c.hidden.patients || c.hidden.visits_with_cost) },
    { key: "avg_cost_per_visit", label: "Avg cost per visit", higher: false,
      of: (c) => ratio(c.total_cost, c.visits_with_cost, fmt.money, c.hidden.visits_with_cost) },
    { key: "readmission_rate_30d", label: "Readmission rate, 30 days (derived)", higher: false, needs: "index_stays_30d",
      of: (c) => ratio(c.readmissions_30d, c.index_stays_30d, fmt.pct, c.hidden.index_stays_30d || c.hidden.readmissions_30d) },
    { key: "reported_readmission_rate", label: "Readmission rate (reported by the EMR)", higher: false, needs: "reported_visits",
      of: (c) => ratio(c.reported_readmissions, c.reported_visits || null, fmt.pct, c.hidden.reported_visits || c.hidden.reported_readmissions) },
    { key: "mean_satisfaction", label: "Avg satisfaction (1-5)", higher: true, needs: "satisfaction_responses",
      of: (c) => ratio(c.satisfaction_sum, c.satisfaction_responses || null, fmt.dec2, c.hidden.satisfaction_responses) },
    { key: "alos_days", label: "Avg length of stay (days)", higher: false,
      of: (c) => ratio(c.total_los_days, c.stays_with_los || null, fmt.dec2, c.hidden.stays_with_los) },
  ];

  // The months of the selection with data, latest first; the headline month is the latest complete one.
  function monthsOfSelection() {
    const months = sorted(inYear(ofSources(T.summary).filter((r) => r.period_grain === "month" &&
      r.department === state.department && r.age_group === state.age), "period_start").map((r) => r.period_start));
    return months.map((m) => ({ month: m, cell: summaryCell("month", m) })).filter((x) => x.cell.active).reverse();
  }

  // ------------------------------------------------------------------ Plotly
  const COLORS = ["#087e8b", "#f29e4c", "#0b3954", "#c81d25", "#6a4c93", "#2d6a4f", "#8d6e63", "#3a86ff", "#ff006e", "#8ac926"];
  const HIGHLIGHT = "#f29e4c";
  function layout(extra) {
    return Object.assign({
      margin: { l: 60, r: 20, t: 30, b: 40 }, height: 300, font: { size: 12, color: "#1f2933" },
      paper_bgcolor: "#fff", plot_bgcolor: "#fff", colorway: COLORS, hoverlabel: { namelength: -1 },
      legend: { orientation: "h", y: -0.2 },
    }, extra || {});
  }
  const CONFIG = { displaylogo: false, responsive: !PRINT, staticPlot: PRINT, modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  const charts = [];
  let chartSeq = 0;
  // A chart placeholder; the figure is drawn once the page's HTML is in place.
  function chart(traces, extraLayout, empty) {
    const id = "chart-" + (++chartSeq);
    const hasData = traces.some((t) => (t.type === "indicator") || ((t.x || t.values || t.z || []).length > 0));
    if (!hasData) return '<p class="empty">' + esc(empty || "No data for this selection.") + "</p>";
    charts.push([id, traces, layout(extraLayout)]);
    return '<div class="chart" id="' + id + '"></div>';
  }
  // horizontal bars: items [{label, value, text, color}] (value null: no bar, its text still shown)
  function hbar(items, format, extra) {
    const shown = items.slice().reverse();
    return chart([{
      type: "bar", orientation: "h", y: shown.map((i) => i.label), x: shown.map((i) => (i.value == null ? 0 : i.value)),
      text: shown.map((i) => i.text != null ? i.text : format(i.value)), textposition: "outside", cliponaxis: false,
      marker: { color: shown.map((i) => i.color || COLORS[0]) }, customdata: shown.map((i) => i.hover || ""),
      hovertemplate: "%{y}: %{text}%{customdata}<extra></extra>",
    }], Object.assign({ height: Math.max(160, 26 * items.length + 70), margin: { l: 210, r: 70, t: 30, b: 30 },
      xaxis: { tickformat: extra && extra.tickformat, automargin: true }, yaxis: { automargin: true } }, extra && extra.layout));
  }
  const highlight = (value, chosen) => (chosen !== ALL && value === chosen ? HIGHLIGHT : COLORS[0]);

  function table(headers, rows) {
    if (!rows.length) return '<p class="empty">No data for this selection.</p>';
    return '<table class="data"><tr>' + headers.map((h) => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
      rows.map((r) => "<tr>" + r.map((c) => "<td>" + c + "</td>").join("") + "</tr>").join("") + "</table>";
  }
  const panel = (title, body, note, wide) => '<div class="panel' + (wide ? " wide" : "") + '"><h2>' + esc(title) + "</h2>" + body +
    (note ? '<p class="note">' + esc(note) + "</p>" : "") + "</div>";
  function tiles(items) {
    return '<div class="cards">' + items.map((t) => '<div class="card" data-kpi="' + t.key + '" data-value="' +
      (t.m.value == null ? "" : t.m.value) + '"><div class="label">' + esc(t.label) + '</div><div class="value">' +
      esc(t.m.text) + "</div>" + (t.sub ? '<div class="sub">' + t.sub + "</div>" : "") + "</div>").join("") + "</div>";
  }

  // month-of-year lines, one per year: points [{month_start, value}] (null: a gap)
  function linesPerYear(points, format, extra) {
    const years = groupBy(points, (p) => yearOf(p.month_start));
    const traces = Array.from(years).filter(([, ps]) => ps.some((p) => p.value != null)).map(([year, ps]) => ({
      type: "scatter", mode: "lines+markers", name: year, x: ps.map((p) => MONTHS[Number(p.month_start.slice(5, 7)) - 1]),
      y: ps.map((p) => p.value), connectgaps: false,
      hovertemplate: "%{x} " + year + ": %{y" + (format ? ":" + format : "") + "}<extra></extra>",
    }));
    return chart(traces, Object.assign({ xaxis: { categoryorder: "array", categoryarray: MONTHS },
      yaxis: { tickformat: format, rangemode: "tozero" } }, extra || {}));
  }

  // ------------------------------------------------------------------ pages
  function executive() {
    const grain = state.year === "all" ? "all" : "year";
    const cell = summaryCell(grain, state.year === "all" ? null : state.year + "-01-01");
    if (!cell.rows.length) return '<p class="empty">No data for this selection.</p>';
    const months = monthsOfSelection();
    const headline = months.find((x) => x.cell.complete);
    const latest = months[0];
    let compare = null;
    if (headline) compare = { month: headline.month, cell: headline.cell, before: monthBefore(headline.month) };
    if (compare) compare.beforeCell = summaryCell("month", compare.before);
    let html = '<p class="period">Selected period: <strong>' + (state.year === "all" ? "all the data" : state.year) + "</strong>";
    if (state.year !== "all" && !cell.complete) html += ' <span class="partial">(partial year: the data does not cover all of it)</span>';
    html += ". The figures add up every visit and stay of the period.";
    if (compare) {
      html += ' Beside each: the last complete month, <strong id="compare-month" data-month="' + compare.month + '">' + monthName(compare.month) +
        "</strong>, against " + monthName(compare.before) + ".";
    }
    if (latest && !latest.cell.complete) {
      const end = latest.cell.rows.map((r) => r.data_end_date).sort().pop();
      html += ' <span class="partial" id="partial-month" data-month="' + latest.month + '">' + monthName(latest.month) +
        " is a partial month (the data ends on " + esc(end) + "): counted in the period, never a headline.</span>";
    }
    html += "</p>";
    // a KPI none of the selected sources can supply (derived readmissions in the EMR extract, the reported
    // flag in Synthea) has no tile
    const supplied = (k) => !k.needs || selectedSources().some((s) => AVAILABLE[s] && AVAILABLE[s][k.needs]);
    html += tiles(KPIS.filter(supplied).map((k) => {
      const m = k.of(cell);
      let sub = "";
      if (compare) {
        const a = k.of(compare.cell), b = k.of(compare.beforeCell);
        let arrow = "";
        if (a.value != null && b.value != null && a.value !== b.value) {
          const up = a.value > b.value;
          arrow = ' <span class="' + (up === k.higher ? "good" : "bad") + '">' + (up ? "&#9650;" : "&#9660;") + "</span>";
        }
        sub = esc(MONTHS[Number(compare.month.slice(5, 7)) - 1]) + ': <span data-kpi-month="' + k.key + '" data-value="' +
          (a.value == null ? "" : a.value) + '">' + esc(a.text) + "</span> &middot; " + esc(MONTHS[Number(compare.before.slice(5, 7)) - 1]) +
          ": " + esc(b.text) + arrow;
      }
      return { key: k.key, label: k.label, m, sub };
    }));
    // by department: the same period and age group
    const grainRows = ofSources(T.summary).filter((r) => r.period_grain === grain && (grain === "all" || r.period_start === state.year + "-01-01") &&
      r.age_group === state.age && r.department !== ALL);
    const depts = Array.from(groupBy(grainRows, "department"), ([d, rs]) => ({ d, visits: sum(rs, "visits"), cost: sum(rs, "total_cost"),
      patients: sum(rs, "patients") })).filter((x) => x.visits > 0).sort((a, b) => b.visits - a.visits);
    const deptChart = chart([
      { type: "bar", name: "visits", x: depts.map((x) => x.d), y: depts.map((x) => x.visits),
        marker: { color: depts.map((x) => highlight(x.d, state.department)) },
        customdata: depts.map((x) => [fmt.money(x.cost), fmt.int(x.patients)]),
        hovertemplate: "%{x}<br>visits %{y:,}<br>patients %{customdata[1]}<br>revenue %{customdata[0]}<extra></extra>" },
    ], { yaxis: { title: { text: "visits" } }, xaxis: { automargin: true } });
    // one line per year: visits of each complete month
    const monthly = inYear(ofSources(T.summary).filter((r) => r.period_grain === "month" && r.department === state.department &&
      r.age_group === state.age), "period_start");
    const points = Array.from(groupBy(monthly, "period_start"), ([m, rs]) => ({ month_start: m, value: rs.every((r) => r.is_complete_period) ? sum(rs, "visits") : null }))
      .sort((a, b) => a.month_start.localeCompare(b.month_start));
    const sat = KPIS.find((k) => k.key === "mean_satisfaction").of(cell);
    const gauge = sat.value == null ? '<p class="empty">' + (sat.text === SMALL ? "Fewer than " + (THRESHOLD + 1) + " responses." :
      "No satisfaction scores in this selection: the Synthea and FHIR exports have none; the EMR extended extract does.") + "</p>"
      : chart([{ type: "indicator", mode: "gauge+number", value: sat.value, number: { valueformat: ".2f" },
        gauge: { axis: { range: [1, 5] }, bar: { color: COLORS[0] }, steps: [{ range: [1, 3], color: "#fde2e1" }, { range: [3, 4], color: "#fff1d6" }, { range: [4, 5], color: "#dcf2e4" }] } }],
      { height: 240, margin: { l: 30, r: 30, t: 20, b: 10 } });
    const signalled = signalsOfLastMonth();
    if (signalled.length) {
      html += '<p class="signals" id="spc-signals">SPC signal in the last complete month: ' + signalled.map((r) =>
        '<a href="#quality" data-kpi-signal="' + esc(r.kpi) + '">' + esc((KPI_LABELS[r.kpi] || r.kpi) + " (" + r.source_system + ", " +
        monthName(r.month_start) + "): " + signalText(r)) + "</a>").join("; ") + ".</p>";
    }
    html += '<div class="grid">' +
      panel("Visits by department", deptChart, "Period and age group as selected; the selected department is highlighted.") +
      panel("Average satisfaction", gauge, "Mean score (1-5) of the selection's responses.") +
      panel("Visits by month, one line per year", linesPerYear(points, ",d"), "Department and age group as selected; partial months are left out.", true) +
      "</div>";
    return html;
  }

  function demographics() {
    const demo = byAge(ofSources(T.demographics));
    const dist = (key, order) => Array.from(groupBy(demo, key), ([k, rs]) => ({ label: k, value: sum(rs, "patients") }))
      .sort(order || ((a, b) => b.value - a.value)).map((i) => Object.assign(i, { text: fmt.int(i.value) }));
    const ages = Array.from(groupBy(ofSources(T.demographics), "age_group"), ([k, rs]) => ({ label: k, value: sum(rs, "patients"), color: highlight(k, state.age) }))
      .sort((a, b) => a.label.localeCompare(b.label)).map((i) => Object.assign(i, { text: fmt.int(i.value) }));
    const chronic = Array.from(groupBy(selected(T.chronic, "month_start"), "condition_group"),
      ([k, rs]) => ({ label: k === "any_chronic_ccir" ? "any chronic condition (AHRQ CCIR)" : k.replace(/_/g, " "), value: sum(rs, "visits") })).sort((a, b) => b.value - a.value)
      .map((i) => Object.assign(i, { text: fmt.int(i.value) }));
    const note = "Patients by their age on the last date of the data (or at death). " + appliesNote("source, age group", "year or department");
    return '<div class="grid">' +
      panel("Patients by age group", hbar(ages, fmt.int), "The selected age group is highlighted. " + appliesNote("source", "year or department")) +
      panel("Patients by gender", hbar(dist("gender"), fmt.int), note) +
      panel("Patients by race", hbar(dist("race"), fmt.int), note) +
      panel("Visits with a chronic condition", hbar(chronic, fmt.int), appliesNote("source, " + yearText(), "department or age group")) +
      "</div>";
  }

  const diagnosisName = new Map(T.diagnoses.map((d) => [d.diagnosis_key, d.diagnosis_description]));
  // the diagnosis's AHRQ CCSR category and its name (dim_diagnoses), shown when a bar is pointed at
  const diagnosisCcsr = new Map(T.diagnoses.filter((d) => d.ccsr_category)
    .map((d) => [d.diagnosis_key, "<br>CCSR " + d.ccsr_category + ": " + (d.ccsr_description || "")]));
  function rateItems(rows, chosen) {
    return rows.map((r) => {
      const m = ratio(r.readmissions, r.index_stays, fmt.pct, r.index_stays == null);
      return { label: r.label || r.dimension_value, value: m.value, text: m.text, color: highlight(r.dimension_value, chosen), n: r.index_stays,
        hover: r.hover };
    });
  }
  function readmissions() {
    const rates = ofSources(T.readmission_rates);
    const derived = rates.filter((r) => r.method === "derived");
    const method = derived.length ? "derived" : "reported";
    const pick = (dim, window) => {
      const rows = rates.filter((r) => r.method === method && r.dimension === dim && (method === "reported" || r.window_days === window));
      // several sources: add up each value's stays and readmissions
      return Array.from(groupBy(rows, "dimension_value"), ([v, rs]) => ({ dimension_value: v, index_stays: rs.some((r) => r.index_stays == null) ? null : sum(rs, "index_stays"),
        readmissions: rs.some((r) => r.readmissions == null) ? null : sum(rs, "readmissions") }));
    };
    const months = selected(T.admissions, "month_start");
    const i30 = sum(months, "index_stays_30d"), r30 = sum(months, "readmissions_30d");
    const i60 = sum(months, "index_stays_60d"), r60 = sum(months, "readmissions_60d");
    let html = "";
    if (method === "derived") {
      html += tiles([
        { key: "readmission_rate_30d_selection", label: "30-day readmission rate", m: ratio(r30, i30, fmt.pct), sub: fmt.int(r30) + " of " + fmt.int(i30) + " index stays, " + yearText() },
        { key: "readmission_rate_60d_selection", label: "60-day readmission rate", m: ratio(r60, i60, fmt.pct), sub: fmt.int(r60) + " of " + fmt.int(i60) + " index stays, " + yearText() },
      ]);
    }
    // by month from the executive summary, so that department and age group apply: derived by discharge
    // month, reported by visit month
    const [num30, den30] = method === "derived" ? ["readmissions_30d", "index_stays_30d"] : ["reported_readmissions", "reported_visits"];
    const monthRows = inYear(ofSources(T.summary).filter((r) => r.period_grain === "month" && r.department === state.department &&
      r.age_group === state.age), "period_start");
    const byMonth = Array.from(groupBy(monthRows, "period_start"), ([m, rs]) => ({ month_start: m,
      value: rs.some((r) => r[den30] == null) ? null : rateOrNull(sum(rs, num30), sum(rs, den30)) }))
      .sort((a, b) => a.month_start.localeCompare(b.month_start));
    const topDiagnoses = pick("diagnosis", 30).filter((r) => r.index_stays == null || r.index_stays > 0)
      .sort((a, b) => (b.index_stays || 0) - (a.index_stays || 0)).slice(0, 15)
      .map((r) => Object.assign(r, { label: r.dimension_value + " " + clip(diagnosisName.get(r.dimension_value), 26),
        hover: diagnosisCcsr.get(r.dimension_value) }));
    // bars of rates, their text ("12.3%", "n < 11") above each; colour per bar (highlight) or one for all
    const rateBars = (rows, name, color) => ({ type: "bar", name, x: rows.map((r) => r.label),
      y: rows.map((r) => (r.value == null ? 0 : r.value)), text: rows.map((r) => r.text), textposition: "outside",
      cliponaxis: false, marker: { color: color || rows.map((r) => r.color) }, hovertemplate: "%{x}: %{text}<extra>" + name + "</extra>" });
    const windows = (dim, chosen) => {
      const byLabel = (rows) => rows.sort((a, b) => String(a.label).localeCompare(String(b.label)));
      const traces = [rateBars(byLabel(rateItems(pick(dim, 30), chosen)), method === "derived" ? "30 days" : "reported")];
      if (method === "derived") traces.push(rateBars(byLabel(rateItems(pick(dim, 60), chosen)), "60 days", COLORS[2]));
      return chart(traces, { barmode: "group", yaxis: { tickformat: ".0%", rangemode: "tozero" }, showlegend: traces.length > 1 });
    };
    const lace = Array.from(groupBy(selected(T.lace, "discharge_month"), "lace_band"), ([band, rs]) => ({ band, i: sum(rs, "index_stays"), r: sum(rs, "readmissions_30d") }));
    const order = { low: 1, moderate: 2, high: 3 };
    lace.sort((a, b) => (order[a.band] || 9) - (order[b.band] || 9));
    const laceItems = lace.map((x) => { const m = ratio(x.r, x.i, fmt.pct); return { label: x.band + " (" + fmt.int(x.i) + " stays)", value: m.value, text: m.text }; });
    const perf = table(["discharge year", "index stays", "readmitted (30 d)", "c-statistic"], ofSources(T.lace_performance)
      .filter((r) => state.year === "all" || String(r.discharge_year) === state.year).sort((a, b) => a.discharge_year - b.discharge_year)
      .map((r) => [String(r.discharge_year), r.index_stays == null ? SMALL : fmt.int(r.index_stays), r.readmissions_30d == null ? SMALL : fmt.int(r.readmissions_30d),
        r.c_statistic == null ? "n/a" : fmt.dec2(r.c_statistic)]));
    const methodNote = method === "derived" ? "Derived from visit history: unplanned readmissions within 30 and 60 days of discharge."
      : "The EMR extract's own Readmission flag (method reported): it has no visit history to derive 30/60-day windows from.";
    html += '<div class="grid">' +
      panel(method === "derived" ? "30-day rate by discharge month, one line per year" : "Reported rate by visit month, one line per year",
        linesPerYear(byMonth, ".0%"), "Months with fewer than " + (THRESHOLD + 1) + (method === "derived" ? " index stays" : " visits") +
        " are left out (" + SMALL + "). " + appliesNote("source, " + yearText() + ", department, age group"), true) +
      panel("By diagnosis (the 15 most frequent)", hbar(rateItems(topDiagnoses, ALL), fmt.pct, { tickformat: ".0%" }), methodNote + " All years.") +
      panel("By department", windows("department", state.department), "All years; the selected department is highlighted.") +
      panel("By age group", windows("age_group", state.age), "All years; the selected age group is highlighted.") +
      (lace.length ? panel("30-day rate by LACE risk band", hbar(laceItems, fmt.pct, { tickformat: ".0%" }),
        "LACE: length of stay, acuity, Charlson comorbidity, emergency visits; bands low 0-4, moderate 5-9, high 10+. " + appliesNote("source, " + yearText(), "department or age group")) +
        panel("How well LACE ranks readmissions", perf, "c-statistic: the chance a readmitted stay scores above one not readmitted (0.5 = chance).") : "") +
      "</div>";
    return html;
  }

  function revenue() {
    const rev = ofSources(T.department_revenue);
    const depts = Array.from(groupBy(byAge(rev), "department"), ([d, rs]) => ({ label: d, value: sum(rs, "revenue"), color: highlight(d, state.department) }))
      .sort((a, b) => b.value - a.value).map((i) => Object.assign(i, { text: fmt.money(i.value) }));
    const ages = Array.from(groupBy(byDepartment(rev), "age_group"), ([a, rs]) => {
      const m = ratio(sum(rs, "revenue"), rs.some((r) => r.patients == null) ? null : sum(rs, "patients"), fmt.money, true);
      return { label: a, value: m.value, text: m.text, color: highlight(a, state.age) };
    }).sort((a, b) => a.label.localeCompare(b.label));
    const ins = selected(T.insurance, "visit_year");
    const cats = Array.from(groupBy(ins, "payer_category"), ([k, rs]) => ({ label: k, visits: sum(rs, "visits"), covered: sum(rs, "covered_visits"),
      billed: sum(rs, "billed_visits"), cost: sum(rs, "total_cost"), coverage: sum(rs, "total_coverage"), oop: sum(rs, "out_of_pocket") }))
      .sort((a, b) => b.visits - a.visits);
    const pie = chart([{ type: "pie", labels: cats.map((c) => c.label), values: cats.map((c) => c.visits), hole: 0.45, sort: false,
      hovertemplate: "%{label}: %{value:,} visits (%{percent})<extra></extra>" }], { height: 300, legend: { orientation: "v" } });
    const claims = table(["payer category", "visits", "claim success", "coverage ratio", "out of pocket"], cats.map((c) =>
      [esc(c.label), fmt.int(c.visits), ratio(c.covered, c.billed, fmt.pct).text, ratio(c.coverage, c.cost, fmt.pct).text, fmt.money(c.oop)]));
    const procs = selected(T.procedures, "start_year");
    const codes = Array.from(groupBy(procs, "procedure_code"), ([code, rs]) => ({ code, name: String(rs[0].procedure_description || ""),
      n: sum(rs, "procedures"), covered: sum(rs, "covered_procedures"), cost: sum(rs, "base_cost") }))
      .sort((a, b) => b.cost - a.cost).slice(0, 15);
    const procChart = hbar(codes.map((c) => ({ label: c.code + " " + clip(c.name, 34), value: c.cost,
      text: fmt.money(c.cost) + " · " + ratio(c.covered, c.n, fmt.pct).text + " covered" })), fmt.money,
      { tickformat: "$,.0f", layout: { margin: { l: 300, r: 150, t: 10, b: 30 } } });
    const byPayer = Array.from(groupBy(procs, "payer_category"), ([k, rs]) => {
      const m = ratio(sum(rs, "covered_procedures"), sum(rs, "procedures"), fmt.pct);
      return { label: k, value: m.value, text: m.text };
    }).sort((a, b) => (b.value || 0) - (a.value || 0));
    return '<div class="grid">' +
      panel("Revenue by department", hbar(depts, fmt.money, { tickformat: "$,.0f" }), "Claim costs of the visits, all years. " + appliesNote("source, age group", "year")) +
      panel("Revenue per patient by age group", hbar(ages, fmt.money, { tickformat: "$,.0f" }), "Revenue / distinct patients, all years. " + appliesNote("source, department", "year")) +
      panel("Insurance mix (visits)", pie, appliesNote("source, " + yearText(), "department or age group")) +
      panel("Claims and coverage by payer category", claims, "Claim success: covered visits / visits billed to a payer other than Uninsured. Coverage ratio: payer coverage / claim cost. " + appliesNote("source, " + yearText(), "department or age group")) +
      panel("Procedures by code: base cost and the share covered by insurance", procChart, "The 15 procedure codes with the highest base cost; covered: procedures with payer coverage / procedures. " + appliesNote("source, " + yearText(), "department or age group"), true) +
      panel("Procedures covered by insurance, by payer category", hbar(byPayer, fmt.pct, { tickformat: ".0%" }), appliesNote("source, " + yearText(), "department or age group")) +
      "</div>";
  }

  function operations() {
    const vol = byDepartment(selected(T.volume, "month_start"));
    const volTraces = Array.from(groupBy(vol, "department"), ([d, rs]) => {
      rs.sort((a, b) => a.month_start.localeCompare(b.month_start));
      return { type: "scatter", mode: "lines", name: d, x: rs.map((r) => r.month_start), y: rs.map((r) => r.visits), hovertemplate: d + " %{x|%b %Y}: %{y:,} visits<extra></extra>" };
    });
    const volMonths = sorted(vol.map((r) => r.month_start));
    const volRange = volMonths.length ? [volMonths[Math.max(0, volMonths.length - 36)], volMonths[volMonths.length - 1]] : undefined;
    const peaks = vol.filter((r) => r.is_peak_month);
    if (peaks.length) volTraces.push({ type: "scatter", mode: "markers", name: "peak month", x: peaks.map((r) => r.month_start), y: peaks.map((r) => r.visits),
      marker: { symbol: "star", size: 12, color: "#c81d25" }, text: peaks.map((r) => r.department), hovertemplate: "peak: %{text} %{x|%b %Y}: %{y:,} visits<extra></extra>" });
    const los = Array.from(groupBy(selected(T.los, "month_start"), "department"), ([d, rs]) => {
      const m = ratio(sum(rs, "total_los_days"), rs.some((r) => r.stays_with_los == null) ? null : sum(rs, "stays_with_los"), fmt.dec2, true);
      return { label: d, value: m.value, text: m.text, color: highlight(d, state.department) };
    }).sort((a, b) => (b.value || 0) - (a.value || 0));
    const treat = ofSources(T.treatment).filter((r) => r.mean_hours != null);
    const treatChart = chart([
      { type: "bar", name: "mean hours", x: treat.map((r) => r.encounter_class + (state.source === "all" ? " (" + r.source_system + ")" : "")), y: treat.map((r) => r.mean_hours) },
      { type: "bar", name: "median hours", x: treat.map((r) => r.encounter_class + (state.source === "all" ? " (" + r.source_system + ")" : "")), y: treat.map((r) => r.median_hours) },
    ], { barmode: "group", yaxis: { title: { text: "hours" } } }, "No treatment times: the EMR extract records dates, not times.");
    // bed occupancy: one organization at a time, by name, and every organization's average for the period
    const occ = selected(T.occupancy, "month_start");
    const orgs = Array.from(groupBy(occ, "organization_id"), ([id, rs]) => ({ id, name: rs[0].organization_name || id,
      bedDays: sum(rs, "bed_days"), days: sum(rs, "days"), beds: rs[0].licensed_beds, rows: rs })).sort((a, b) => b.bedDays - a.bedDays);
    let occHtml = '<p class="empty">No bed occupancy: stays need an organization (the Synthea export has one; the EMR extract does not).</p>';
    if (orgs.length) {
      const org = orgs.find((o) => o.id === state.organization) || orgs[0];
      const rows = org.rows.slice().sort((a, b) => a.month_start.localeCompare(b.month_start));
      const options = orgs.map((o) => '<option value="' + esc(o.id) + '"' + (o.id === org.id ? " selected" : "") + ">" + esc(o.name) + "</option>").join("");
      occHtml = '<label class="inline">Organization <select id="f-organization">' + options + "</select></label>" +
        chart([{ type: "scatter", mode: "lines", name: org.name, x: rows.map((r) => r.month_start),
          y: rows.map((r) => (r.bed_days == null ? null : r.bed_days / r.days / r.licensed_beds)), hovertemplate: "%{x|%b %Y}: %{y:.1%}<extra></extra>" }],
        { yaxis: { tickformat: ".1%", rangemode: "tozero" } }) +
        hbar(orgs.slice(0, 20).map((o) => ({ label: o.name, value: o.days ? o.bedDays / o.days / o.beds : null, color: o.id === org.id ? HIGHLIGHT : COLORS[0] }))
          .map((i) => Object.assign(i, { text: i.value == null ? "n/a" : fmt.pct(i.value) })), fmt.pct, { tickformat: ".1%" });
    }
    return '<div class="grid">' +
      panel("Department volume by month (stars: each department's busiest month of its year)", chart(volTraces, { yaxis: { title: { text: "visits" } },
        height: 420, xaxis: { range: volRange, rangeslider: { visible: !PRINT } }, legend: { orientation: "h", y: 1.02, yanchor: "bottom" },
        margin: { l: 60, r: 20, t: 70, b: 40 } }),
        (state.year === "all" ? "The last 36 months are shown: drag the slider below the chart for the years before. " : "") +
        appliesNote("source, " + yearText() + ", department", "age group"), true) +
      panel("Average length of stay by department (days)", hbar(los, fmt.dec2), "By discharge month. " + appliesNote("source, " + yearText(), "age group")) +
      panel("Treatment times by encounter class", treatChart, "STOP - START in hours, all years. " + appliesNote("source", "year, department or age group")) +
      panel("Bed occupancy", occHtml, "Average daily census at 23:59 / licensed beds, by month; below, each organization's average over " + yearText() +
        " (the 20 busiest). " + appliesNote("source, " + yearText(), "department or age group"), true) +
      "</div>";
  }

  function feedback() {
    const sat = byDepartment(selected(T.satisfaction, "month_start"));
    if (!sat.length) return '<p class="empty">No satisfaction scores for this selection: the Synthea and FHIR exports have none; the EMR extended extract does.</p>';
    const months = sorted(sat.map((r) => r.month_start));
    const depts = sorted(sat.map((r) => r.department));
    const cell = (d, m) => sat.filter((r) => r.department === d && r.month_start === m);
    const z = depts.map((d) => months.map((m) => { const rs = cell(d, m); return rateOrNull(sum(rs, "score_sum"), rs.some((r) => r.responses == null) ? null : sum(rs, "responses")); }));
    const heat = chart([{ type: "heatmap", x: months, y: depts, z, zmin: 1, zmax: 5, hoverongaps: false,
      colorscale: [[0, "#c81d25"], [0.5, "#f6e7a1"], [0.75, "#8fd19e"], [1, "#2d6a4f"]],
      hovertemplate: "%{y} %{x|%b %Y}: %{z:.2f}<extra></extra>" }], { height: 120 + 34 * depts.length, margin: { l: 110, r: 20, t: 30, b: 40 } });
    const trend = Array.from(groupBy(sat, "month_start"), ([m, rs]) => ({ m, v: rateOrNull(sum(rs, "score_sum"), sum(rs, "responses")),
      top: rateOrNull(sum(rs, "top_box_responses"), sum(rs, "responses")) })).sort((a, b) => a.m.localeCompare(b.m));
    const trendChart = chart([
      { type: "scatter", mode: "lines+markers", name: "mean score", x: trend.map((t) => t.m), y: trend.map((t) => t.v), hovertemplate: "%{x|%b %Y}: %{y:.2f}<extra></extra>" },
      { type: "scatter", mode: "lines", name: "top-box share (4-5)", x: trend.map((t) => t.m), y: trend.map((t) => t.top), yaxis: "y2", hovertemplate: "%{x|%b %Y}: %{y:.1%}<extra></extra>" },
    ], { yaxis: { title: { text: "mean score" }, range: [1, 5] }, yaxis2: { overlaying: "y", side: "right", tickformat: ".0%", range: [0, 1] },
      margin: { l: 60, r: 50, t: 30, b: 40 } });
    const rows = depts.map((d) => {
      const rs = sat.filter((r) => r.department === d).sort((a, b) => a.month_start.localeCompare(b.month_start));
      const n = rs.some((r) => r.responses == null) ? null : sum(rs, "responses");
      const last = rs[rs.length - 1], prev = rs.length > 1 ? rs[rs.length - 2] : null;
      const lastScore = ratio(last.score_sum, last.responses, fmt.dec2, true), prevScore = prev ? ratio(prev.score_sum, prev.responses, fmt.dec2, true) : null;
      const change = prevScore && lastScore.value != null && prevScore.value != null ? (lastScore.value - prevScore.value >= 0 ? "+" : "") + fmt.dec2(lastScore.value - prevScore.value) : "n/a";
      return [esc(d), n == null ? SMALL : fmt.int(n), ratio(sum(rs, "score_sum"), n, fmt.dec2, true).text, ratio(sum(rs, "top_box_responses"), n, fmt.pct, true).text,
        esc(monthName(last.month_start)) + ": " + lastScore.text, change];
    });
    return '<div class="grid">' +
      panel("Satisfaction by department and month", heat, "Mean score 1-5; a blank cell has fewer than " + (THRESHOLD + 1) + " responses. " +
        appliesNote("source, " + yearText() + ", department", "age group"), true) +
      panel("Trend", trendChart, "Months with fewer than " + (THRESHOLD + 1) + " responses are left out.") +
      panel("By department", table(["department", "responses", "mean score", "top-box share", "latest month", "change vs month before"], rows), yearText() + ".") +
      "</div>";
  }


  // ------------------------------------------------------------------ quality: SPC, funnels and calibration (mart_spc,
  // mart_standardized_ratios, mart_risk_model_performance): the marts decide centre lines, limits, signals and verdicts; the page draws them
  const KPI_LABELS = { readmission_rate_30d: "Readmission rate, 30 days (derived)", reported_readmission_rate: "Readmission rate (reported by the EMR)",
    in_hospital_mortality_rate: "In-hospital mortality", hai_stay_rate: "Stays with a hospital-acquired infection", alos_days: "Avg length of stay (days)",
    mean_satisfaction: "Avg satisfaction (1-5)", visits: "Visits" };
  const OUTCOME_LABELS = { readmission_30d: "30-day readmission", in_hospital_death: "Death in the stay" };
  const SIGNALS = [["signal_beyond_limit", "beyond a limit"], ["signal_shift", "shift"], ["signal_trend", "trend"], ["signal_two_of_three", "two of three beyond 2 sigma"]];
  const signalText = (r) => SIGNALS.filter(([k]) => r[k]).map(([k, label]) => label + " (" + r[k] + ")").join(", ");
  function signalsOfLastMonth() {
    return ofSources(T.spc).filter((r) => r.is_last_point && r.has_signal && r.department === state.department);
  }
  function spcChart(rows, kpi) {
    const pct = rows[0].chart_type === "p";
    const x = rows.map((r) => r.month_start);
    const line = (key, name, dash, color) => ({ type: "scatter", mode: "lines", name, x, y: rows.map((r) => r[key]),
      line: { dash, color, width: 1.5, shape: "hv" }, hoverinfo: "skip" });
    const flagged = rows.filter((r) => r.has_signal);
    return chart([
      line("upper_limit", "upper limit", "dash", "#9aa5b1"), line("lower_limit", "lower limit", "dash", "#9aa5b1"),
      line("centre_line", "centre", "solid", "#52606d"),
      { type: "scatter", mode: "lines+markers", name: KPI_LABELS[kpi] || kpi, x, y: rows.map((r) => r.value), line: { color: COLORS[0] },
        marker: { size: 5 }, hovertemplate: "%{x|%b %Y}: %{y" + (pct ? ":.1%" : ":.2f") + "}<extra></extra>" },
      { type: "scatter", mode: "markers", name: "signal", x: flagged.map((r) => r.month_start), y: flagged.map((r) => r.value),
        marker: { color: "#c81d25", size: 9, symbol: "circle-open", line: { width: 2 } }, text: flagged.map(signalText),
        hovertemplate: "%{x|%b %Y}: %{text}<extra></extra>" },
    ], { yaxis: { tickformat: pct ? ".0%" : undefined, rangemode: "tozero" }, showlegend: false, height: 260 });
  }
  function funnelChart(rows) {
    const byE = rows.slice().sort((a, b) => a.expected - b.expected);
    const limit = (key, name, dash) => ({ type: "scatter", mode: "lines", name, x: byE.map((r) => r.expected), y: byE.map((r) => r[key]),
      line: { dash, color: dash === "dot" ? "#9aa5b1" : "#52606d", width: 1.2, shape: "spline" }, hoverinfo: "skip" });
    const colour = { above_998: "#c81d25", above_95: "#f29e4c", below_95: "#3a86ff", below_998: "#0b3954", within: "#087e8b" };
    return chart([
      limit("funnel_upper_998", "99.8% limits", "dot"), limit("funnel_lower_998", "99.8% limits", "dot"),
      limit("funnel_upper_95", "95% limits", "dash"), limit("funnel_lower_95", "95% limits", "dash"),
      { type: "scatter", mode: "lines", name: "O/E = 1", x: [byE[0].expected, byE[byE.length - 1].expected], y: [1, 1], line: { color: "#1f2933", width: 1 }, hoverinfo: "skip" },
      { type: "scatter", mode: "markers+text", name: "units", x: byE.map((r) => r.expected), y: byE.map((r) => r.oe_ratio), text: byE.map((r) => clip(r.unit, 18)),
        textposition: "top center", textfont: { size: 10 }, marker: { size: 9, color: byE.map((r) => colour[r.funnel_verdict] || "#9aa5b1") },
        customdata: byE.map((r) => [r.observed, fmt.dec2(r.expected), r.funnel_verdict, fmt.dec2(r.oe_lower_95), fmt.dec2(r.oe_upper_95)]),
        hovertemplate: "%{text}: O %{customdata[0]}, E %{customdata[1]}, O/E %{y:.2f} (95% CI %{customdata[3]}-%{customdata[4]}), %{customdata[2]}<extra></extra>" },
    ], { xaxis: { title: { text: "expected (E)" }, rangemode: "tozero" }, yaxis: { title: { text: "observed / expected" }, rangemode: "tozero" }, showlegend: false, height: 320 });
  }
  function calibrationChart(rows) {
    const top = Math.max(...rows.map((r) => Math.max(r.mean_expected_rate, r.observed_rate)), 0.01);
    return chart([
      { type: "scatter", mode: "lines", name: "calibrated", x: [0, top], y: [0, top], line: { color: "#9aa5b1", dash: "dash", width: 1 }, hoverinfo: "skip" },
      { type: "scatter", mode: "lines+markers", name: "deciles", x: rows.map((r) => r.mean_expected_rate), y: rows.map((r) => r.observed_rate),
        line: { color: COLORS[0] }, marker: { size: 7 }, customdata: rows.map((r) => [r.risk_decile, r.observed, fmt.dec2(r.expected), r.stays]),
        hovertemplate: "decile %{customdata[0]}: expected %{x:.1%}, observed %{y:.1%} (O %{customdata[1]}, E %{customdata[2]}, %{customdata[3]} stays)<extra></extra>" },
    ], { xaxis: { title: { text: "mean expected probability" }, tickformat: ".0%", rangemode: "tozero" },
      yaxis: { title: { text: "observed rate" }, tickformat: ".0%", rangemode: "tozero" }, showlegend: false, height: 280 });
  }
  function quality() {
    const period = state.year === "all" ? (r) => r.period_grain === "all" : (r) => r.period_grain === "year" && yearOf(r.period_start) === state.year;
    const ratios = ofSources(T.ratios).filter((r) => period(r) && r.expected > 0 && r.oe_ratio != null);
    let html = '<p class="period">Is a unit worse than its patients explain, and is a month a real change? Funnels: observed against expected ' +
      "(indirect standardization), one point per unit, with the 95% and 99.8% limits. SPC charts: complete months, centre line and 3-sigma limits, signals circled.</p>";
    html += '<div class="grid">';
    for (const outcome of Object.keys(OUTCOME_LABELS)) {
      const rows = ratios.filter((r) => r.outcome === outcome && r.unit_type === "department");
      if (rows.length) html += panel("Funnel: " + OUTCOME_LABELS[outcome] + " by department", funnelChart(rows),
        "One point per department (O/E), " + yearText() + ". " + appliesNote("source, " + yearText(), "age group; every department is a point"));
    }
    const calibration = groupBy(ofSources(T.calibration).filter((r) => period(r) && r.mean_expected_rate != null && r.observed_rate != null),
      (r) => r.source_system + "|" + r.outcome);
    for (const [key, rows] of calibration) {
      const [source, outcome] = key.split("|");
      const c = rows[0].c_statistic;
      html += panel("Calibration: " + OUTCOME_LABELS[outcome] + " (" + source + ")", calibrationChart(rows),
        "Expected against observed by decile of expected risk, " + yearText() + "; on the diagonal when calibrated. c-statistic " +
        (c == null ? "n/a" : fmt.dec2(c)) + " (0.5 is chance, 1 a perfect ranking). " + appliesNote("source, " + yearText(), "department, age group"));
    }
    const outliers = ratios.filter((r) => r.funnel_verdict && r.funnel_verdict !== "within")
      .sort((a, b) => b.oe_ratio - a.oe_ratio).map((r) => [esc(OUTCOME_LABELS[r.outcome]), esc(r.unit_type.replace("_", " ") + ": " + r.unit),
        fmt.int(r.observed), fmt.dec2(r.expected), fmt.dec2(r.oe_ratio) + " (" + fmt.dec2(r.oe_lower_95) + "-" + fmt.dec2(r.oe_upper_95) + ")", esc(r.funnel_verdict)]);
    html += panel("Units beyond a funnel limit", table(["outcome", "unit", "observed", "expected", "O/E (95% CI)", "verdict"], outliers),
      "Every unit type (department, organization, payer category, CCSR body system, age group), " + yearText() + ".", true);
    const spc = groupBy(inYear(ofSources(T.spc).filter((r) => r.department === state.department), "month_start"), (r) => r.source_system + "|" + r.kpi);
    for (const [key, rows] of spc) {
      const [source, kpi] = key.split("|");
      const last = rows[rows.length - 1];
      html += panel((KPI_LABELS[kpi] || kpi) + " (" + source + ")", spcChart(rows, kpi),
        (rows[0].chart_type === "p" ? "p-chart" : "XmR chart") + ", " + (state.department === ALL ? "all departments" : state.department) +
        ". Last point " + monthName(last.month_start) + (last.has_signal ? ": " + signalText(last) : ": no signal") + ".");
    }
    if (!spc.size) html += panel("SPC", '<p class="empty">No chart for this selection.</p>', "");
    return html + "</div>";
  }

  const PAGES = { executive, demographics, readmissions, revenue, operations, feedback, quality };

  // ------------------------------------------------------------------ filters and routing
  function options(id, values, current, labels) {
    const sel = document.getElementById(id);
    sel.innerHTML = values.map((v) => '<option value="' + esc(v) + '">' + esc((labels && labels[v]) || v) + "</option>").join("");
    const value = values.includes(current) ? current : values[0];
    sel.value = value;
    return value;
  }
  function fillFilters() {
    state.source = options("f-source", ["all"].concat(SOURCES), state.source, { all: "All sources" });
    const rows = ofSources(T.summary);
    state.year = options("f-year", ["all"].concat(sorted(rows.filter((r) => r.period_grain === "year").map((r) => yearOf(r.period_start))).reverse()),
      state.year, { all: "All years" });
    state.department = options("f-department", [ALL].concat(sorted(rows.map((r) => r.department)).filter((d) => d !== ALL)), state.department, { All: "All departments" });
    state.age = options("f-age", [ALL].concat(sorted(rows.map((r) => r.age_group)).filter((a) => a !== ALL)), state.age, { All: "All age groups" });
  }

  function draw(pageIds) {
    charts.length = 0;
    for (const name of pageIds) document.getElementById("page-" + name).innerHTML = (PRINT ? "<h1>" + esc(document.getElementById("page-" + name).dataset.title) + "</h1>" : "") + PAGES[name]();
    for (const [id, traces, lay] of charts) {
      if (PRINT) {  // paper: the width of the panel, and charts a little shorter so a page holds more
        lay.width = document.getElementById(id).clientWidth || 480;
        lay.height = Math.round(lay.height * 0.8);
      }
      Plotly.react(id, traces, lay, CONFIG);
    }
    const org = document.getElementById("f-organization");
    if (org) org.addEventListener("change", (e) => { state.organization = e.target.value; render(); });
  }

  function render() {
    const page = PAGES[(location.hash || "#executive").slice(1)] ? (location.hash || "#executive").slice(1) : "executive";
    document.querySelectorAll(".page").forEach((p) => p.classList.toggle("active", PRINT || p.id === "page-" + page));
    document.querySelectorAll("#tabs a").forEach((a) => a.classList.toggle("active", a.dataset.page === page));
    for (const name of Object.keys(PAGES)) if (!PRINT && name !== page) document.getElementById("page-" + name).innerHTML = "";
    draw(PRINT ? Object.keys(PAGES) : [page]);
    const ends = SOURCES.map((s) => { const r = T.summary.find((x) => x.source_system === s); return s + " to " + (r ? r.data_end_date : "?"); });
    document.getElementById("selection").textContent = "Source: " + (state.source === "all" ? "all sources" : state.source) + " · Year: " + yearText() +
      " · Department: " + (state.department === ALL ? "all" : state.department) + " · Age group: " + (state.age === ALL ? "all" : state.age);
    document.getElementById("footer").textContent = "Data: " + ends.join(", ") + " · built " + META.generated_at + " from the marts of " + META.source_db +
      " · rates over " + THRESHOLD + " cases or fewer show as " + SMALL + " · charts: plotly.js " + Plotly.version;
    const q = new URLSearchParams();
    for (const [k, v] of [["source", state.source], ["year", state.year], ["department", state.department], ["age", state.age]]) if (v !== "all" && v !== ALL) q.set(k, v);
    if (PRINT) q.set("print", "1");
    history.replaceState(null, "", location.pathname + (q.toString() ? "?" + q : "") + location.hash);
  }

  for (const [id, key] of [["f-source", "source"], ["f-year", "year"], ["f-department", "department"], ["f-age", "age"]]) {
    document.getElementById(id).addEventListener("change", (e) => { state[key] = e.target.value; fillFilters(); render(); });
  }
  window.addEventListener("hashchange", render);
  if (PRINT) document.body.classList.add("print");
  fillFilters();
  render();
})();
