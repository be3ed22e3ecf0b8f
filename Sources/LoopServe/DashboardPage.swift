/// The dashboard's one page: HTML, CSS and a little JavaScript, no build step, nothing from
/// another site. It is compiled into `loop-serve` (not read from disk), so a lone installed
/// binary serves it.
///
/// It reads the JSON API and listens to `/api/events`; each event refreshes the task rows and
/// the selected task. Everything from the bus is put into the page as text (`textContent`),
/// never as HTML, so a report or log cannot inject markup.
package enum DashboardPage {
    package static let html = #"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>loop dashboard</title>
<style>
  :root { --bg:#0f1115; --panel:#171a21; --line:#2a2f3a; --text:#d8dde6; --dim:#8a93a3; --ok:#3fb950; --bad:#f85149; --warn:#d29922; --accent:#58a6ff; }
  * { box-sizing: border-box; }
  body { margin:0; font:14px/1.45 system-ui, sans-serif; background:var(--bg); color:var(--text); }
  header { display:flex; gap:16px; align-items:baseline; padding:10px 16px; border-bottom:1px solid var(--line); }
  header h1 { font-size:16px; margin:0; }
  header .dim, .dim { color:var(--dim); }
  #conn.live { color:var(--ok); } #conn.down { color:var(--bad); }
  #banner { display:none; margin:10px 16px; padding:8px 12px; border:1px solid var(--warn); border-radius:6px; background:#2b2211; }
  #banner.on { display:block; }
  main { display:grid; grid-template-columns: minmax(420px, 1fr) 2fr; gap:12px; padding:12px 16px; }
  section { background:var(--panel); border:1px solid var(--line); border-radius:6px; padding:10px; min-width:0; }
  h2 { font-size:13px; text-transform:uppercase; letter-spacing:.05em; color:var(--dim); margin:0 0 8px; }
  #detail-title { text-transform:none; letter-spacing:0; font-size:14px; color:var(--text); }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:4px 6px; border-bottom:1px solid var(--line); white-space:nowrap; }
  tr.task { cursor:pointer; } tr.task:hover, tr.task.selected { background:#1f2430; }
  .phase-done, .ok { color:var(--ok); } .phase-failed, .phase-exhausted, .bad { color:var(--bad); }
  .attn { color:var(--warn); font-weight:600; }
  #timeline { display:flex; flex-wrap:wrap; gap:6px; margin-bottom:8px; }
  #timeline button { background:#1f2430; color:var(--text); border:1px solid var(--line); border-radius:4px; padding:3px 8px; cursor:pointer; }
  #timeline button.current { border-color:var(--accent); }
  #timeline button.approved { border-left:4px solid var(--ok); } #timeline button.rejected { border-left:4px solid var(--bad); }
  pre { margin:0; padding:8px; background:#0b0d11; border-radius:4px; overflow:auto; max-height:420px; font:12px/1.4 ui-monospace, monospace; }
  .add { color:#7ee787; } .del { color:#ff7b72; } .hunk { color:#79c0ff; } .file { color:#d2a8ff; font-weight:600; }
  #events { max-height:180px; overflow:auto; font:12px/1.4 ui-monospace, monospace; margin:0; padding-left:0; list-style:none; }
  .tabs button { background:none; color:var(--dim); border:0; padding:2px 6px; cursor:pointer; } .tabs button.on { color:var(--text); border-bottom:2px solid var(--accent); }
  .grid2 { display:grid; grid-template-columns:1fr 1fr; gap:10px; }
  .controls button { margin-left:6px; }
</style>
</head>
<body>
<header>
  <h1>loop</h1><span class="dim" id="bus"></span><span id="conn" class="down">connecting…</span>
  <span class="controls" id="controls" hidden><button data-action="pause">pause</button><button data-action="continue">continue</button><button data-action="stop">stop</button></span>
</header>
<div id="banner" role="alert"></div>
<main>
  <div>
    <section>
      <h2>Tasks and lanes</h2>
      <table id="tasks"><thead><tr><th>task</th><th>phase</th><th>round</th><th>spend</th><th>updated</th></tr></thead><tbody></tbody></table>
      <p class="dim" id="notasks">No run on this bus yet. Start one with <code>loop run</code>.</p>
    </section>
    <section style="margin-top:12px">
      <h2>Events</h2>
      <ul id="events"></ul>
    </section>
  </div>
  <section id="detail">
    <h2 id="detail-title">Select a task</h2>
    <div id="timeline"></div>
    <div class="grid2">
      <div><h2>Verify</h2><table id="verify"><tbody></tbody></table></div>
      <div><h2>Review</h2><div id="review" class="dim">–</div></div>
    </div>
    <h2 style="margin-top:10px">Lanes</h2><table id="lanes"><tbody></tbody></table>
    <h2 style="margin-top:10px" class="tabs"><button data-tab="diff" class="on">Diff</button><button data-tab="worker">worker log</button><button data-tab="reviewer">reviewer log</button><button data-tab="verify">verify log</button></h2>
    <pre id="view"></pre>
  </section>
</main>
<script>
"use strict";
const state = { tasks: [], selected: null, round: null, tab: "diff", pending: null };
const $ = (id) => document.getElementById(id);
function el(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}
async function getJSON(path) {
  const response = await fetch(path, { credentials: "same-origin", cache: "no-store" });
  if (!response.ok) throw new Error(path + ": " + response.status);
  return response.json();
}
function spend(t) {
  let s = t.spent_tokens + " tok";
  if (t.max_tokens) s += " / " + t.max_tokens;
  if (t.spent_cost_usd) s += " · $" + t.spent_cost_usd.toFixed(4);
  return s;
}
function ago(ts) {
  if (!ts) return "–";
  const s = Math.max(0, Math.round((Date.now() - Date.parse(ts)) / 1000));
  return s < 60 ? s + " s ago" : s < 3600 ? Math.round(s / 60) + " min ago" : Math.round(s / 3600) + " h ago";
}
function attentionText(t) {
  switch (t.attention) {
    case "needs_help": return t.task_id + " NEEDS HELP: " + (t.needs_help || "no progress");
    case "limit_wait": return t.task_id + " is waiting on a usage limit until " + t.limit_until + (t.limit_message ? " (" + t.limit_message + ")" : "");
    case "failed": return t.task_id + " FAILED: " + (t.reason || "see the log");
    default: return t.task_id + " is " + t.attention + (t.reason ? ": " + t.reason : "");
  }
}
function renderTasks() {
  const body = $("tasks").tBodies[0];
  body.replaceChildren();
  $("notasks").hidden = state.tasks.length > 0;
  for (const t of state.tasks) {
    const row = el("tr", { class: "task" + (t.task_id === state.selected ? " selected" : ""), "data-task-id": t.task_id, "data-phase": t.phase, "data-round": String(t.round) });
    const name = el("td", {}, t.task_id + (t.source === "batch" ? " (batch)" : ""));
    if (t.attention) name.append(el("span", { class: "attn" }, " ⚑ " + t.attention));
    row.append(name, el("td", { class: "phase phase-" + t.phase }, t.phase + (t.running ? " ●" : "")),
      el("td", { class: "round" }, t.round + "/" + (t.max_rounds || "?")), el("td", { class: "spend" }, spend(t)),
      el("td", { class: "dim" }, ago(t.updated_at)));
    row.addEventListener("click", () => { state.selected = t.task_id; state.round = null; refresh(); });
    body.append(row);
    for (const l of t.lanes || []) {
      const laneRow = el("tr", { class: "lane-row", "data-task-id": t.task_id, "data-lane-id": l.lane_id, "data-status": l.status });
      laneRow.append(el("td", { class: "dim" }, "  ↳ lane " + l.lane_id), el("td", { class: l.status === "conflict" ? "bad" : "" }, l.status),
        el("td", { class: "round" }, "r" + l.round + " · stage " + l.stage), el("td", { class: "dim" }, l.review_decision || ""), el("td", { class: "dim" }, l.branch));
      body.append(laneRow);
    }
  }
  const attention = state.tasks.filter((t) => t.attention);
  $("banner").className = attention.length ? "on" : "";
  $("banner").textContent = attention.map(attentionText).join(" · ");
}
function renderVerify(list) {
  const body = $("verify").tBodies[0];
  body.replaceChildren();
  for (const v of list || []) {
    const row = el("tr", { class: "verify-row" });
    row.append(el("td", { class: v.passed ? "ok" : "bad" }, v.passed ? "✔" : "✘"), el("td", {}, v.command),
      el("td", { class: "dim" }, "exit " + v.exit_code + " · " + Number(v.duration_s || 0).toFixed(1) + " s"));
    body.append(row);
  }
  if (!body.children.length) { const row = el("tr", {}); row.append(el("td", { class: "dim" }, "no verify results")); body.append(row); }
}
function renderReview(report) {
  const box = $("review");
  box.replaceChildren();
  if (!report) { box.textContent = "–"; return; }
  box.append(el("div", { class: report.decision === "approve" ? "ok" : "bad" }, report.decision));
  if (report.summary) box.append(el("div", {}, report.summary));
  for (const issue of report.blocking_issues || []) {
    box.append(el("div", { class: "bad" }, "• " + (issue.file ? issue.file + ": " : "") + (issue.reason || issue.description || "")));
  }
}
function renderLanes(lanes) {
  const body = $("lanes").tBodies[0];
  body.replaceChildren();
  for (const l of lanes || []) {
    const row = el("tr", { class: "lane", "data-lane-id": l.lane_id });
    row.append(el("td", {}, l.lane_id), el("td", {}, "stage " + l.stage), el("td", {}, l.status), el("td", { class: "dim" }, l.branch));
    body.append(row);
  }
  if (!body.children.length) { const row = el("tr", {}); row.append(el("td", { class: "dim" }, "no lanes")); body.append(row); }
}
function renderDiff(text) {
  const view = $("view");
  view.replaceChildren();
  for (const line of text.split("\n")) {
    let cls = "";
    if (line.startsWith("diff --git") || line.startsWith("+++") || line.startsWith("---")) cls = "file";
    else if (line.startsWith("@@")) cls = "hunk";
    else if (line.startsWith("+")) cls = "add";
    else if (line.startsWith("-")) cls = "del";
    view.append(el("span", cls ? { class: cls } : {}, line + "\n"));
  }
  if (!text) view.textContent = "(no change recorded for this round yet)";
}
async function renderView(id, round) {
  const view = $("view");
  try {
    if (state.tab === "diff") {
      const diff = await getJSON("/api/tasks/" + encodeURIComponent(id) + "/rounds/" + round + "/diff");
      renderDiff(diff.diff + (diff.truncated ? "\n… (diff cut at 1 MiB)" : ""));
    } else {
      const log = await getJSON("/api/tasks/" + encodeURIComponent(id) + "/logs/" + round + "/" + state.tab);
      view.textContent = (log.truncated ? "… (" + log.size + " bytes, last part shown)\n" : "") + log.text;
      view.scrollTop = view.scrollHeight;
    }
  } catch (error) {
    view.textContent = "(nothing yet: " + error.message + ")";
  }
}
async function renderDetail() {
  const id = state.selected;
  if (!id) return;
  const detail = await getJSON("/api/tasks/" + encodeURIComponent(id));
  const s = detail.summary;
  $("detail-title").textContent = s.task_id + " · " + s.phase + " · round " + s.round + "/" + s.max_rounds + (s.merge_command ? " · merge: " + s.merge_command : "");
  const round = state.round || s.round;
  const timeline = $("timeline");
  timeline.replaceChildren();
  for (const r of detail.rounds) {
    const cls = [r.round === round ? "current" : "", r.approved ? "approved" : r.decision ? "rejected" : ""].join(" ").trim();
    const button = el("button", { class: cls, "data-round": String(r.round) }, "r" + r.round + " " + (r.decision || (r.finished_at ? "ended" : "…")) + (r.verify_passed === false ? " · verify ✘" : r.verify_passed ? " · verify ✔" : ""));
    button.addEventListener("click", () => { state.round = r.round; refresh(); });
    timeline.append(button);
  }
  renderLanes(detail.lanes);
  if (round < 1) { renderVerify([]); renderReview(null); $("view").textContent = ""; return; }
  try {
    const r = await getJSON("/api/tasks/" + encodeURIComponent(id) + "/rounds/" + round);
    renderVerify(r.verify || (r.record && r.record.verify));
    renderReview(r.review_report);
  } catch (error) { renderVerify([]); renderReview(null); }
  await renderView(id, round);
}
async function refresh() {
  try {
    state.tasks = await getJSON("/api/tasks");
    if (!state.selected && state.tasks.length) state.selected = state.tasks[0].task_id;
    renderTasks();
    await renderDetail();
  } catch (error) {
    $("conn").textContent = "error: " + error.message;
  }
}
function scheduleRefresh() {
  if (state.pending) return;
  state.pending = setTimeout(() => { state.pending = null; refresh(); }, 200);
}
function listen() {
  const source = new EventSource("/api/events?tail=200");
  source.onopen = () => { $("conn").textContent = "live"; $("conn").className = "live"; };
  source.onerror = () => { $("conn").textContent = "reconnecting…"; $("conn").className = "down"; };
  source.onmessage = (message) => {
    let e;
    try { e = JSON.parse(message.data); } catch (_) { return; }
    const list = $("events");
    const item = el("li", { "data-id": message.lastEventId }, (e.ts || "").slice(11, 19) + "  " + (e.task_id || "") + "  r" + (e.round ?? "-") + "  " + e.event);
    list.prepend(item);
    while (list.children.length > 300) list.lastChild.remove();
    scheduleRefresh();
  };
}
for (const button of document.querySelectorAll(".tabs button")) {
  button.addEventListener("click", () => {
    state.tab = button.dataset.tab;
    for (const b of document.querySelectorAll(".tabs button")) b.classList.toggle("on", b === button);
    refresh();
  });
}
for (const button of document.querySelectorAll("#controls button")) {
  button.addEventListener("click", async () => {
    const response = await fetch("/api/control/" + button.dataset.action, { method: "POST", headers: { "X-Loop-Control": "1" }, credentials: "same-origin" });
    const answer = await response.json();
    $("banner").className = "on";
    $("banner").textContent = answer.message || answer.error || "";
  });
}
getJSON("/api/runs").then((runs) => { $("bus").textContent = runs.bus; $("controls").hidden = !runs.control; }).catch(() => {});
refresh();
listen();
setInterval(refresh, 5000);
</script>
</body>
</html>
"""#
}
