// The KPI dashboard's logic: no libraries, no network. Data: the marts' rows embedded by
// build_dashboard.py. Filters re-aggregate numerators and denominators; rates are never averaged.
(function () {
  "use strict";
  const errorBox = document.getElementById("errors");
  window.addEventListener("error", function (e) {
    const n = Number(errorBox.dataset.count) + 1;
    errorBox.dataset.count = String(n);
    errorBox.textContent += String(e.message) + "\n";
    errorBox.hidden = false;
  });

  const D = JSON.parse(document.getElementById("data").textContent);
  const state = { source: null, year: "all" };

  // ---------------------------------------------------------------- helpers
  const fmt = {
    int: (v) => (v == null ? "n/a" : Math.round(v).toLocaleString("en-US")),
    money: (v) => (v == null ? "n/a" : "$" + Number(v).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })),
    pct: (v) => (v == null ? "n/a" : (v * 100).toFixed(1) + "%"),
    dec2: (v) => (v == null ? "n/a" : Number(v).toFixed(2)),
  };
  const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
  const yearOf = (v) => Number(String(v).slice(0, 4));
  const ofSource = (rows) => rows.filter((r) => r.source_system === state.source);
  const inYear = (rows, key) => (state.year === "all" ? rows : rows.filter((r) => yearOf(r[key]) === Number(state.year)));
  const selected = (rows, key) => inYear(ofSource(rows), key);
  const sum = (rows, k) => rows.reduce((a, r) => a + (r[k] == null ? 0 : Number(r[k])), 0);
  const ratio = (a, b) => (b ? a / b : null);
  function groupBy(rows, key) {
    const m = new Map();
    for (const r of rows) {
      const k = r[key] == null ? "unknown" : r[key];
      if (!m.has(k)) m.set(k, []);
      m.get(k).push(r);
    }
    return m;
  }
  const yearNote = () => (state.year === "all" ? "All years." : "Year " + state.year + ".");

  // ---------------------------------------------------------------- charts (inline SVG)
  const PALETTE = ["#087e8b", "#f29e4c", "#0b3954", "#c81d25", "#6a4c93", "#2d6a4f", "#8d6e63"];
  function barChart(items, format) {
    if (!items.length) return '<p class="empty">No data for this selection.</p>';
    const w = 460, rowH = 20, pad = 160, h = items.length * rowH + 8;
    const max = Math.max.apply(null, items.map((i) => i.value || 0)) || 1;
    const f = format || fmt.int;
    let s = '<svg viewBox="0 0 ' + w + " " + h + '" role="img">';
    items.forEach((it, i) => {
      const y = i * rowH + 4;
      const bw = Math.max(0, ((w - pad - 80) * (it.value || 0)) / max);
      s += '<text x="' + (pad - 6) + '" y="' + (y + 12) + '" text-anchor="end">' + esc(it.label) + "</text>";
      s += '<rect class="bar" x="' + pad + '" y="' + y + '" width="' + bw.toFixed(1) + '" height="' + (rowH - 6) + '"></rect>';
      s += '<text x="' + (pad + bw + 4).toFixed(1) + '" y="' + (y + 12) + '">' + f(it.value) + "</text>";
    });
    return s + "</svg>";
  }

  function lineChart(series, format) {
    const pts = [].concat.apply([], series.map((s) => s.points.filter((p) => p.y != null)));
    if (!pts.length) return '<p class="empty">No data for this selection.</p>';
    const w = 460, h = 210, l = 62, r = 12, t = 22, b = 26;
    const xs = Array.from(new Set(pts.map((p) => p.x))).sort();
    const ys = pts.map((p) => p.y);
    const ymax = Math.max.apply(null, ys) * 1.05 || 1;
    const X = (x) => l + ((w - l - r) * (xs.length === 1 ? 0.5 : xs.indexOf(x) / (xs.length - 1)));
    const Y = (y) => t + (h - t - b) * (1 - y / ymax);
    const f = format || fmt.int;
    let s = '<svg viewBox="0 0 ' + w + " " + h + '" role="img">';
    s += '<line class="axis" x1="' + l + '" y1="' + (h - b) + '" x2="' + (w - r) + '" y2="' + (h - b) + '"></line>';
    s += '<text x="' + (l - 4) + '" y="' + (t + 4) + '" text-anchor="end">' + f(ymax) + "</text>";
    s += '<text x="' + (l - 4) + '" y="' + (h - b) + '" text-anchor="end">' + f(0) + "</text>";
    s += '<text x="' + l + '" y="' + (h - 6) + '">' + esc(xs[0].slice(0, 7)) + "</text>";
    s += '<text x="' + (w - r) + '" y="' + (h - 6) + '" text-anchor="end">' + esc(xs[xs.length - 1].slice(0, 7)) + "</text>";
    const legendStep = (w - l - r) / Math.max(series.length, 1);
    series.forEach((se, i) => {
      const color = PALETTE[i % PALETTE.length];
      const p = se.points.filter((q) => q.y != null).map((q) => X(q.x).toFixed(1) + "," + Y(q.y).toFixed(1)).join(" ");
      s += '<polyline class="line" style="stroke:' + color + '" points="' + p + '"></polyline>';
      if (series.length > 1) s += '<text x="' + (l + i * legendStep).toFixed(1) + '" y="12" style="fill:' + color + '">' + esc(se.name) + "</text>";
    });
    return s + "</svg>";
  }

  function table(headers, rows) {
    if (!rows.length) return '<p class="empty">No data for this selection.</p>';
    return '<table class="data"><tr>' + headers.map((h) => "<th>" + esc(h) + "</th>").join("") + "</tr>" +
      rows.map((r) => "<tr>" + r.map((c) => "<td>" + c + "</td>").join("") + "</tr>").join("") + "</table>";
  }

  const panel = (title, body, note) =>
    '<div class="panel"><h2>' + esc(title) + "</h2>" + body + (note ? '<p class="note">' + esc(note) + "</p>" : "") + "</div>";

  function card(key, label, row, format, higherIsBetter) {
    const v = row[key], p = row["prev_" + key];
    let arrow = "";
    if (v != null && p != null && v !== p) {
      const up = v > p;
      arrow = ' <span class="' + ((up === higherIsBetter) ? "up" : "down") + '">' + (up ? "&#9650;" : "&#9660;") + "</span>";
    }
    return '<div class="card" data-kpi="' + key + '" data-value="' + (v == null ? "" : v) + '" data-month="' + row.month_start + '">' +
      '<div class="label">' + esc(label) + '</div><div class="value">' + format(v) + "</div>" +
      '<div class="prev">previous month: ' + format(p) + arrow + "</div></div>";
  }

  // ---------------------------------------------------------------- pages
  function executive() {
    const rows = selected(D.scorecard, "month_start");
    if (!rows.length) return '<p class="empty">No data for this selection.</p>';
    const last = rows[rows.length - 1];
    let html = '<p class="note">Latest month of the selection: <strong id="latest-month">' + esc(last.month_start.slice(0, 7)) +
      "</strong>. Each figure is that month's value from mart_executive_scorecard, with the previous month beside it.</p>";
    html += '<div class="cards">' +
      card("visits", "Visits", last, fmt.int, true) +
      card("patients", "Patients", last, fmt.int, true) +
      card("revenue_per_patient", "Avg revenue per patient", last, fmt.money, true) +
      card("readmission_rate_30d", "Readmission rate (30 d)", last, fmt.pct, false) +
      card("mean_satisfaction", "Avg satisfaction (1-5)", last, fmt.dec2, true) +
      card("alos_days", "Avg length of stay (days)", last, fmt.dec2, false) +
      card("admissions", "Admissions", last, fmt.int, true) +
      card("avg_cost_per_visit", "Avg cost per visit", last, fmt.money, false) +
      "</div>";
    const volume = groupBy(selected(D.volume, "month_start"), "department");
    const depts = Array.from(volume, ([d, rs]) => ({ label: d, value: sum(rs, "visits") })).sort((a, b) => b.value - a.value);
    const trend = rows.slice(-36);
    html += '<div class="grid">' +
      panel("Visits by department", barChart(depts), yearNote()) +
      panel("Monthly trend: visits", lineChart([{ name: "visits", points: trend.map((r) => ({ x: r.month_start, y: r.visits })) }]),
        state.year === "all" ? "Last 36 months." : yearNote()) +
      panel("Monthly trend: admissions and 30-day readmission rate",
        lineChart([{ name: "admissions", points: trend.map((r) => ({ x: r.month_start, y: r.admissions })) }]) +
        lineChart([{ name: "readmission rate", points: trend.map((r) => ({ x: r.month_start, y: r.readmission_rate_30d })) }], fmt.pct),
        "Readmission rate by discharge month; n/a where no index stay was discharged.") +
      "</div>";
    return html;
  }

  function demographics() {
    const demo = ofSource(D.demographics);
    const dist = (key) => Array.from(groupBy(demo, key), ([k, rs]) => ({ label: k, value: sum(rs, "patients") }))
      .sort((a, b) => String(a.label).localeCompare(String(b.label)));
    const chronic = Array.from(groupBy(selected(D.chronic, "month_start"), "condition_group"),
      ([k, rs]) => ({ label: k.replace(/_/g, " "), value: sum(rs, "visits") })).sort((a, b) => b.value - a.value);
    const diagnoses = D.readmission_rates.filter((r) => r.source_system === state.source && r.dimension === "diagnosis" &&
      ((r.method === "derived" && r.window_days === 30) || r.method === "reported"))
      .map((r) => ({ label: r.dimension_value, value: r.index_stays })).sort((a, b) => b.value - a.value).slice(0, 12);
    return '<div class="grid">' +
      panel("Patients by age group", barChart(dist("age_group")), "Age on the last date of the data (or at death). All years.") +
      panel("Patients by gender", barChart(dist("gender")), "All years.") +
      panel("Patients by race", barChart(dist("race").sort((a, b) => b.value - a.value)), "All years.") +
      panel("Visits with a chronic condition", barChart(chronic), yearNote()) +
      panel("Most frequent admitting diagnoses (ICD-10-CM)", barChart(diagnoses),
        "Index stays (Synthea) or visits (EMR) by diagnosis, all years.") +
      "</div>";
  }

  function readmissions() {
    const rates = D.readmission_rates.filter((r) => r.source_system === state.source);
    const derived = rates.filter((r) => r.method === "derived");
    const byDim = (dim, minStays) => {
      const rows30 = derived.filter((r) => r.dimension === dim && r.window_days === 30 && (r.index_stays || 0) >= minStays);
      return table(["value", "index stays (30 d)", "readmissions (30 d)", "rate 30 d", "rate 60 d"],
        rows30.sort((a, b) => (b.readmission_rate || 0) - (a.readmission_rate || 0)).map((r) => {
          const r60 = derived.find((q) => q.dimension === dim && q.dimension_value === r.dimension_value && q.window_days === 60);
          return [esc(r.dimension_value), fmt.int(r.index_stays), fmt.int(r.readmissions), fmt.pct(r.readmission_rate),
            fmt.pct(r60 ? r60.readmission_rate : null)];
        }));
    };
    if (!derived.length) {
      const reported = rates.filter((r) => r.method === "reported");
      const dept = reported.filter((r) => r.dimension === "department")
        .map((r) => ({ label: r.dimension_value, value: r.readmission_rate }));
      return '<div class="grid">' + panel("Reported readmission rate by department", barChart(dept, fmt.pct),
        "The EMR extract's own Readmission flag (method `reported`): it carries no visit history to derive 30/60-day windows from.") +
        panel("Reported readmission rate by age group", barChart(reported.filter((r) => r.dimension === "age_group")
          .map((r) => ({ label: r.dimension_value, value: r.readmission_rate })), fmt.pct), "All years.") + "</div>";
    }
    const months = selected(D.admissions, "month_start");
    const i30 = sum(months, "index_stays_30d"), r30 = sum(months, "readmissions_30d");
    const i60 = sum(months, "index_stays_60d"), r60 = sum(months, "readmissions_60d");
    return '<div class="cards">' +
      '<div class="card" data-kpi="readmission_rate_30d_selection"><div class="label">30-day readmission rate</div><div class="value">' + fmt.pct(ratio(r30, i30)) +
      '</div><div class="prev">' + fmt.int(r30) + " of " + fmt.int(i30) + " index stays</div></div>" +
      '<div class="card" data-kpi="readmission_rate_60d_selection"><div class="label">60-day readmission rate</div><div class="value">' + fmt.pct(ratio(r60, i60)) +
      '</div><div class="prev">' + fmt.int(r60) + " of " + fmt.int(i60) + " index stays</div></div></div>" +
      '<div class="grid">' +
      panel("By diagnosis (30 and 60 days)", byDim("diagnosis", 20), "Admitting diagnosis with at least 20 index stays; all years.") +
      panel("By age group", byDim("age_group", 1), "All years.") +
      panel("By department", byDim("department", 1), "All years.") +
      panel("30-day rate by discharge month", lineChart([{ name: "30 d", points: months.map((r) => ({ x: r.month_start, y: ratio(r.readmissions_30d, r.index_stays_30d) })) }], fmt.pct), yearNote()) +
      "</div>";
  }

  function revenue() {
    const rev = ofSource(D.department_revenue);
    const ages = Array.from(new Set(rev.map((r) => r.age_group))).sort();
    const depts = Array.from(groupBy(rev, "department").keys()).sort();
    const revTable = table(["department"].concat(ages), depts.map((d) => [esc(d)].concat(ages.map((a) => {
      const c = rev.find((r) => r.department === d && r.age_group === a);
      return c ? fmt.money(c.revenue_per_patient) : "";
    }))));
    const ins = selected(D.insurance, "visit_year");
    const totalVisits = sum(ins, "visits");
    const cats = Array.from(groupBy(ins, "payer_category"), ([k, rs]) => ({
      label: k, visits: sum(rs, "visits"), covered: sum(rs, "covered_visits"), billed: sum(rs, "billed_visits"),
      cost: sum(rs, "total_cost"), coverage: sum(rs, "total_coverage"), oop: sum(rs, "out_of_pocket") }))
      .sort((a, b) => b.visits - a.visits);
    const procs = Array.from(groupBy(selected(D.procedures, "start_year"), "payer_category"), ([k, rs]) => [
      esc(k), fmt.int(sum(rs, "procedures")), fmt.int(sum(rs, "covered_procedures")),
      fmt.pct(ratio(sum(rs, "covered_procedures"), sum(rs, "procedures"))), fmt.money(sum(rs, "base_cost"))]);
    const costs = Array.from(groupBy(selected(D.visit_costs, "month_start"), "month_start"), ([m, rs]) =>
      ({ x: m, y: ratio(sum(rs, "total_cost"), sum(rs, "visits_with_cost")) })).sort((a, b) => a.x.localeCompare(b.x));
    return '<div class="grid">' +
      panel("Revenue per patient by department and age group", revTable, "Revenue / distinct patients in each cell. All years.") +
      panel("Insurance mix (share of visits)", barChart(cats.map((c) => ({ label: c.label, value: ratio(c.visits, totalVisits) })), fmt.pct), yearNote()) +
      panel("Claims and coverage by payer category", table(["payer category", "visits", "claim success", "coverage ratio", "out of pocket"],
        cats.map((c) => [esc(c.label), fmt.int(c.visits), fmt.pct(ratio(c.covered, c.billed)), fmt.pct(ratio(c.coverage, c.cost)), fmt.money(c.oop)])),
        "Claim success = covered visits / visits billed to a payer other than Uninsured. " + yearNote()) +
      panel("Procedures covered by insurance", table(["payer category", "procedures", "covered", "share", "base cost"], procs), yearNote()) +
      panel("Average cost per visit over time", lineChart([{ name: "cost per visit", points: costs }], fmt.money), yearNote()) +
      "</div>";
  }

  function operations() {
    const vol = selected(D.volume, "month_start");
    const months = Array.from(new Set(vol.map((r) => r.month_start))).sort().slice(-12);
    const depts = Array.from(groupBy(vol, "department").keys()).sort();
    const volTable = table(["department"].concat(months.map((m) => m.slice(0, 7))), depts.map((d) => [esc(d)].concat(months.map((m) => {
      const c = vol.find((r) => r.department === d && r.month_start === m);
      return c ? (c.is_peak_month ? "<strong>" + fmt.int(c.visits) + "</strong>" : fmt.int(c.visits)) : "";
    }))));
    const los = Array.from(groupBy(selected(D.los, "month_start"), "department"), ([d, rs]) =>
      ({ label: d, value: ratio(sum(rs, "total_los_days"), sum(rs, "stays_with_los")) })).sort((a, b) => b.value - a.value);
    const treat = table(["class", "visits", "mean hours", "median hours"], ofSource(D.treatment).map((r) =>
      [esc(r.encounter_class), fmt.int(r.visits), fmt.dec2(r.mean_hours), fmt.dec2(r.median_hours)]));
    const occ = Array.from(groupBy(selected(D.occupancy, "month_start"), "organization_id"), ([o, rs], i) => ({
      name: "org " + String(o).slice(0, 8), points: rs.map((r) => ({ x: r.month_start, y: r.occupancy_rate })) }));
    return '<div class="grid">' +
      panel("Department volume by month (peak month in bold)", volTable, state.year === "all" ? "Last 12 months of the data." : yearNote()) +
      panel("Average length of stay by department (days)", barChart(los, fmt.dec2), "By discharge month. " + yearNote()) +
      panel("Treatment times by encounter class", treat, "STOP - START in hours; the EMR extract has no times. All years.") +
      panel("Bed occupancy by organization", lineChart(occ, fmt.pct), "Average daily census at 23:59 / licensed beds. " + yearNote()) +
      "</div>";
  }

  function feedback() {
    const sat = selected(D.satisfaction, "month_start");
    if (!sat.length) return '<p class="empty">No satisfaction scores for this selection: the Synthea export has none; the EMR extended extract does.</p>';
    const depts = groupBy(sat, "department");
    const series = Array.from(depts, ([d, rs], i) => ({ name: d, points: rs.map((r) => ({ x: r.month_start, y: r.mean_score })) }));
    const rows = Array.from(depts, ([d, rs]) => {
      const last = rs[rs.length - 1], prev = rs.length > 1 ? rs[rs.length - 2] : null;
      return [esc(d), fmt.int(sum(rs, "responses")), fmt.dec2(ratio(sum(rs, "score_sum"), sum(rs, "responses"))),
        fmt.pct(ratio(sum(rs, "top_box_responses"), sum(rs, "responses"))), fmt.dec2(last.mean_score),
        prev ? fmt.dec2(last.mean_score - prev.mean_score) : "n/a"];
    });
    return '<div class="grid">' +
      panel("Satisfaction by department", table(["department", "responses", "mean score", "top-box share", "latest month", "change vs previous month"], rows), yearNote()) +
      panel("Mean score by month", lineChart(series, fmt.dec2), yearNote()) +
      "</div>";
  }

  const PAGES = { executive, demographics, readmissions, revenue, operations, feedback };

  // ---------------------------------------------------------------- filters and routing
  function fillFilters() {
    const sources = Array.from(new Set(D.scorecard.map((r) => r.source_system))).sort().reverse();
    const sel = document.getElementById("source");
    sel.innerHTML = sources.map((s) => '<option value="' + esc(s) + '">' + esc(s) + "</option>").join("");
    state.source = state.source && sources.includes(state.source) ? state.source : sources[0];
    sel.value = state.source;
    const years = Array.from(new Set(ofSource(D.scorecard).map((r) => yearOf(r.month_start)))).sort();
    const ysel = document.getElementById("year");
    ysel.innerHTML = '<option value="all">all</option>' + years.map((y) => '<option value="' + y + '">' + y + "</option>").join("");
    if (state.year !== "all" && !years.includes(Number(state.year))) state.year = "all";
    ysel.value = String(state.year);
  }

  function render() {
    for (const [name, build] of Object.entries(PAGES)) document.getElementById("page-" + name).innerHTML = build();
    const page = (location.hash || "#executive").slice(1);
    document.querySelectorAll(".page").forEach((p) => p.classList.toggle("active", p.id === "page-" + page));
    document.querySelectorAll("#tabs a").forEach((a) => a.classList.toggle("active", a.dataset.page === page));
    document.getElementById("footer").textContent = "Data until " + D.meta.data_until.slice(0, 7) + " · built " +
      D.meta.generated_at + " from the marts of " + D.meta.source_db + " · source: " + state.source;
  }

  document.getElementById("source").addEventListener("change", (e) => { state.source = e.target.value; fillFilters(); render(); });
  document.getElementById("year").addEventListener("change", (e) => { state.year = e.target.value; render(); });
  window.addEventListener("hashchange", render);
  const params = new URLSearchParams(location.search);
  if (params.get("source")) state.source = params.get("source");
  if (params.get("year")) state.year = params.get("year");
  fillFilters();
  render();
})();
