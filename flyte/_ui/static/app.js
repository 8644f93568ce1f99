// The UI's only script: expands trees, draws the timeline bars, keeps running runs live.
// Text from the store is only ever set with textContent; HTML comes only from this server's
// fragments, which its templates escaped.
"use strict";

(function () {
  const page = document.body.dataset.page;

  async function fetchText(url) {
    const response = await fetch(url, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.text();
  }

  async function fetchJSON(url) {
    const response = await fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" });
    if (!response.ok) throw new Error(url + ": " + response.status);
    return response.json();
  }

  function visible() {
    return document.visibilityState !== "hidden";
  }

  // -- the runs page: refresh the rows while anything might change --------------------------------

  if (page === "runs") {
    const table = document.getElementById("runs");
    if (table && table.dataset.live) {
      const query = table.dataset.query;
      setInterval(async function () {
        if (!visible()) return;
        try {
          const html = await fetchText("/fragments/runs" + (query ? "?" + query : ""));
          table.tBodies[0].innerHTML = html;
        } catch (e) { /* the next tick tries again */ }
      }, 2000);
    }
  }

  // -- a run: the tree, its timeline, and live counts --------------------------------------------

  function runBounds() {
    const run = document.getElementById("run");
    const start = parseFloat(run.dataset.start);
    const end = parseFloat(run.dataset.end) || Date.now() / 1000;
    return [start, Math.max(end, start + 1e-3)];
  }

  function layout(root) {
    const [start, end] = runBounds();
    const span = end - start;
    const now = Date.now() / 1000;
    for (const row of (root || document).querySelectorAll(".row[data-depth]")) {
      const label = row.querySelector(".label");
      if (label) label.style.paddingLeft = (parseInt(row.dataset.depth, 10) * 1.2) + "em";
      const bar = row.querySelector(".bar");
      if (!bar) continue;
      const s = parseFloat(row.dataset.start);
      if (!s) { bar.hidden = true; continue; }
      const e = parseFloat(row.dataset.end) || now;
      bar.hidden = false;
      bar.style.left = (100 * (s - start) / span) + "%";
      bar.style.width = Math.max(0.3, 100 * (e - s) / span) + "%";
    }
    const axis = document.getElementById("axis");
    if (axis) axis.textContent = "0s … " + span.toFixed(span < 10 ? 2 : 0) + "s";
  }

  function runUrl(suffix) {
    const run = document.getElementById("run").dataset.run;
    return "/runs/" + encodeURIComponent(run) + suffix;
  }

  async function loadInto(kids, url) {
    kids.innerHTML = await fetchText(url);
    kids.dataset.loaded = "1";
    kids.dataset.url = url;
    layout(kids);
  }

  function kidsOf(button) {
    return button.closest(".node").querySelector(":scope > .kids");
  }

  async function toggle(button) {
    const kids = kidsOf(button);
    const open = button.getAttribute("aria-expanded") === "true";
    if (open) {
      kids.hidden = true;
      button.setAttribute("aria-expanded", "false");
      button.textContent = "▸";
      return;
    }
    button.setAttribute("aria-expanded", "true");
    button.textContent = "▾";
    kids.hidden = false;
    if (!kids.dataset.loaded) {
      const depth = button.dataset.depth;
      const url = button.dataset.kind === "members"
        ? runUrl("/members?key=" + encodeURIComponent(button.dataset.key) + "&depth=" + depth)
        : runUrl("/children?parent=" + encodeURIComponent(button.dataset.parent) + "&depth=" + depth);
      kids.textContent = "loading…";
      await loadInto(kids, url);
    }
  }

  async function more(button) {
    const params = "key=" + encodeURIComponent(button.dataset.key) + "&after=" + encodeURIComponent(button.dataset.after)
      + "&depth=" + button.dataset.depth
      + (button.dataset.phases ? button.dataset.phases.split(",").map(p => "&phase=" + encodeURIComponent(p)).join("") : "");
    const row = button.closest(".row");
    const holder = document.createElement("div");
    holder.innerHTML = await fetchText(runUrl("/members?" + params));
    layout(holder);
    row.replaceWith(...holder.childNodes);
  }

  // Re-read what is on screen: the counts, and every open part of the tree.
  async function refreshRun() {
    const status = await fetchJSON(runUrl("/status"));
    document.getElementById("phase").textContent = status.phase;
    document.getElementById("took").textContent = status.took;
    for (const el of document.querySelectorAll("#counts [data-count]")) {
      const n = status.counts[el.dataset.count] || 0;
      const target = el.querySelector("b") || el;
      target.textContent = n.toLocaleString("en-US");
      if (el.classList.contains("count")) el.hidden = n === 0;
    }
    if (!status.running) document.getElementById("run").dataset.end = status.end || "";
    const root = document.getElementById("tree-root");
    const opened = [...document.querySelectorAll(".toggle[aria-expanded=true]")].map(b => b.dataset.parent || b.dataset.key);
    await loadInto(root, runUrl("/children?depth=0"));
    for (const id of opened) {  // open again what was open (parents come before their children)
      const button = [...root.querySelectorAll(".toggle")].find(b => (b.dataset.parent || b.dataset.key) === id);
      if (button && button.getAttribute("aria-expanded") !== "true") await toggle(button);
    }
    return status.running;
  }

  if (page === "run") {
    document.addEventListener("click", function (event) {
      const button = event.target.closest("button.toggle");
      if (button) { event.preventDefault(); toggle(button); return; }
      const next = event.target.closest("button.more-members");
      if (next) { event.preventDefault(); more(next); }
    });
    layout(document);
    const run = document.getElementById("run");
    if (run.dataset.running) {
      let busy = false;
      const timer = setInterval(async function () {
        if (busy || !visible()) return;
        busy = true;
        try {
          if (!(await refreshRun())) { clearInterval(timer); layout(document); }
        } catch (e) { /* try again */ } finally { busy = false; }
      }, 1000);
      setInterval(() => layout(document), 1000);
    }
  }

  // -- an action: follow its output while it runs --------------------------------------------------

  if (page === "action") {
    const action = document.getElementById("action");
    const log = document.getElementById("log");
    const hide = document.getElementById("hide-system");
    if (hide && log) {
      hide.addEventListener("change", function () {
        // this execution's log and those of earlier executions (before the run was resumed)
        document.querySelectorAll("pre.log").forEach(function (pre) { pre.classList.toggle("hide-system", hide.checked); });
      });
    }
    if (action.dataset.running && log) {
      const base = "/runs/" + encodeURIComponent(action.dataset.run) + "/actions/" + encodeURIComponent(action.dataset.action);
      const timer = setInterval(async function () {
        if (!visible()) return;
        try {
          const attempt = log.dataset.attempt ? "&attempt=" + encodeURIComponent(log.dataset.attempt) : "";
          const sys = log.dataset.sys ? "&sys=1" : "";
          const page = await fetchJSON(base + "/logs?after=" + encodeURIComponent(log.dataset.token) + attempt + sys);
          if (page.text) {
            page.lines.forEach(function (line, k) {
              // a line the runtime wrote (line[2]) goes in a span of its own, which the toggle hides
              let into = log;
              if (line[2]) {
                into = document.createElement("span");
                into.className = "sys";
                log.appendChild(into);
              }
              // a page that starts inside a line carries on the line shown last: no second time for it
              if (!(k === 0 && log.dataset.open)) {
                const ts = document.createElement("span");
                ts.className = "ts";
                ts.textContent = line[0];
                into.appendChild(ts);
              }
              into.appendChild(document.createTextNode(line[1]));
              if (line[2]) document.querySelector(".log-options").hidden = false;
            });
            if (page.text.endsWith("\n")) delete log.dataset.open; else log.dataset.open = "1";
            if (page.in_system) log.dataset.sys = "1"; else delete log.dataset.sys;
            const none = document.getElementById("no-output");
            if (none) none.hidden = true;
            log.scrollTop = log.scrollHeight;
          }
          log.dataset.token = page.next_token;
          if (page.done) { clearInterval(timer); window.location.reload(); }
        } catch (e) { /* try again */ }
      }, 1000);
    }
  }
})();
