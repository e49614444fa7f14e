// Copyright 2026 The trail Authors
// SPDX-License-Identifier: Apache-2.0

#include "ui/assets.h"

namespace trail::ui {
namespace {

// Colours meet WCAG AA contrast (4.5:1 for text) in both schemes. A host restyles the embed
// page through the --trail-* properties (theme.h).
constexpr std::string_view kCss = R"css(:root {
  --trail-bg: #ffffff; --trail-fg: #1f2328; --trail-muted: #59636e; --trail-accent: #0757ad;
  --trail-border: #d1d9e0; --trail-surface: #f6f8fa;
  --trail-font: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
  --trail-size: 15px;
  --trail-series-0: #0969da; --trail-series-1: #bf3989; --trail-series-2: #1a7f37;
  --trail-series-3: #bc4c00; --trail-series-4: #8250df; --trail-series-5: #0a7c86;
  --trail-series-6: #9a6700; --trail-series-7: #6e7781;
  color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root:not(.themed) {
    --trail-bg: #0d1117; --trail-fg: #e6edf3; --trail-muted: #9da7b3; --trail-accent: #6cb6ff;
    --trail-border: #3d444d; --trail-surface: #161b22; color-scheme: dark;
  }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--trail-bg); color: var(--trail-fg); font-family: var(--trail-font);
  font-size: var(--trail-size); line-height: 1.45; }
a { color: var(--trail-accent); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible {
  outline: 3px solid var(--trail-accent); outline-offset: 2px; }
.skip { position: absolute; left: -10000px; }
.skip:focus { left: 1rem; top: 1rem; background: var(--trail-bg); padding: .5rem; z-index: 2; }
header.top { display: flex; flex-wrap: wrap; align-items: center; gap: 1rem; padding: .6rem 1.2rem;
  border-bottom: 1px solid var(--trail-border); background: var(--trail-surface); }
header.top .brand { font-weight: 700; font-size: 1.1em; color: var(--trail-fg); text-decoration: none; }
header.top .who { margin-left: auto; color: var(--trail-muted); }
header.top form { display: inline; }
main { padding: 1rem 1.2rem 2rem; max-width: 96rem; }
h1 { font-size: 1.35em; margin: .2rem 0 1rem; }
h2 { font-size: 1.1em; margin: 1.4rem 0 .5rem; }
.muted, .hint { color: var(--trail-muted); }
.hint { font-size: .88em; margin: .3rem 0 0; }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem 1rem; align-items: flex-end;
  padding: .8rem; border: 1px solid var(--trail-border); border-radius: 6px; background: var(--trail-surface); }
form.filters .field { display: flex; flex-direction: column; gap: .2rem; }
form.filters .field.wide { flex: 1 1 28rem; }
label { font-weight: 600; font-size: .9em; }
input, select, button { font: inherit; color: var(--trail-fg); background: var(--trail-bg);
  border: 1px solid var(--trail-border); border-radius: 6px; padding: .35rem .5rem; }
button, .button { cursor: pointer; font-weight: 600; background: var(--trail-accent); color: var(--trail-bg);
  border-color: var(--trail-accent); text-decoration: none; border-radius: 6px; padding: .35rem .8rem;
  display: inline-block; }
button.secondary, .button.secondary { background: var(--trail-bg); color: var(--trail-accent); }
.actions { display: flex; flex-wrap: wrap; gap: .6rem; align-items: center; margin: .8rem 0; }
.error { border: 1px solid #cf222e; color: inherit; background: var(--trail-surface); padding: .6rem .8rem;
  border-radius: 6px; }
table.events { border-collapse: collapse; width: 100%; margin-top: .4rem; }
table.events th, table.events td { text-align: left; vertical-align: top; padding: .35rem .5rem;
  border-bottom: 1px solid var(--trail-border); }
table.events th { background: var(--trail-surface); font-size: .9em; }
table.events td.time { white-space: nowrap; font-variant-numeric: tabular-nums; }
table.events td.tag, table.events td.ip, code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace;
  font-size: .9em; }
table.events td.desc { overflow-wrap: anywhere; }
table.events tr.new td { background: var(--trail-surface); }
.table-wrap { overflow-x: auto; }
nav.pager { display: flex; gap: 1rem; margin: .8rem 0; }
figure.chart { margin: 1rem 0; }
figure.chart svg { width: 100%; height: auto; max-height: 14rem; display: block; }
figure.chart figcaption { color: var(--trail-muted); font-size: .9em; }
.chart .axis { stroke: var(--trail-border); }
.chart text { fill: var(--trail-muted); font-size: 11px; font-family: var(--trail-font); }
.s0 { fill: var(--trail-series-0); background: var(--trail-series-0); }
.s1 { fill: var(--trail-series-1); background: var(--trail-series-1); }
.s2 { fill: var(--trail-series-2); background: var(--trail-series-2); }
.s3 { fill: var(--trail-series-3); background: var(--trail-series-3); }
.s4 { fill: var(--trail-series-4); background: var(--trail-series-4); }
.s5 { fill: var(--trail-series-5); background: var(--trail-series-5); }
.s6 { fill: var(--trail-series-6); background: var(--trail-series-6); }
.s7 { fill: var(--trail-series-7); background: var(--trail-series-7); }
ul.legend { list-style: none; display: flex; flex-wrap: wrap; gap: .4rem 1.2rem; padding: 0; margin: .4rem 0; }
ul.legend .swatch { display: inline-block; width: .8em; height: .8em; border-radius: 2px; margin-right: .35em;
  vertical-align: -.05em; }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; }
dl.fields dt { font-weight: 600; }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
pre.json { background: var(--trail-surface); border: 1px solid var(--trail-border); padding: .6rem;
  border-radius: 6px; overflow-x: auto; white-space: pre-wrap; overflow-wrap: anywhere; }
.ok { color: #1a7f37; font-weight: 700; }
.bad { color: #cf222e; font-weight: 700; }
@media (prefers-color-scheme: dark) { :root:not(.themed) .ok { color: #3fb950; } :root:not(.themed) .bad { color: #ff7b72; } }
.live-status { color: var(--trail-muted); }
form.login { max-width: 28rem; display: flex; flex-direction: column; gap: .6rem; }
)css";

// Live tail: opens an EventSource on the table's stream URL when asked and adds each new
// event as a row at the top, built with textContent only (event data is never markup).
constexpr std::string_view kLiveJs = R"js('use strict';
(function () {
  var box = document.querySelector('[data-live-stream]');
  var table = document.querySelector('table.events');
  if (!box || !table || !window.EventSource) return;
  var button = box.querySelector('button');
  var status = box.querySelector('.live-status');
  var columns = (table.getAttribute('data-columns') || '').split(' ');
  var source = null;
  var added = 0;
  button.hidden = false;

  function link(text, href) {
    var a = document.createElement('a');
    a.textContent = text;
    a.href = href;
    return a;
  }
  function cell(row, cls, content) {
    var td = document.createElement('td');
    td.className = cls;
    if (typeof content === 'string') td.textContent = content; else if (content) td.appendChild(content);
    row.appendChild(td);
  }
  function addRow(ev) {
    var tbody = table.tBodies[0] || table.appendChild(document.createElement('tbody'));
    var row = document.createElement('tr');
    row.className = 'new';
    columns.forEach(function (c) {
      if (c === 'time') {
        var t = document.createElement('time');
        t.dateTime = ev.recorded_at || '';
        t.textContent = (ev.recorded_at || '').slice(0, 19).replace('T', ' ');
        cell(row, 'time', t);
      } else if (c === 'tag') {
        var base = table.getAttribute('data-event-href');
        var suffix = table.getAttribute('data-event-suffix') || '';
        cell(row, 'tag', base ? link(ev.tag, base + encodeURIComponent(ev.id) + suffix) : ev.tag);
      } else if (c === 'subject') {
        var sb = table.getAttribute('data-subject-href');
        cell(row, 'subject', ev.subject && sb ? link(ev.subject, sb + encodeURIComponent(ev.subject)) : (ev.subject || ''));
      } else if (c === 'actor') {
        var ab = table.getAttribute('data-actor-href');
        cell(row, 'actor', ev.actor && ab ? link(ev.actor, ab + encodeURIComponent(ev.actor)) : (ev.actor || ''));
      } else if (c === 'ip') {
        cell(row, 'ip', ev.ip || '');
      } else if (c === 'description') {
        cell(row, 'desc', ev.description || '');
      }
    });
    tbody.insertBefore(row, tbody.firstChild);
    var empty = document.querySelector('.no-events');
    if (empty) empty.hidden = true;
  }
  function stop(text) {
    if (source) source.close();
    source = null;
    button.textContent = 'Start live tail';
    button.setAttribute('aria-pressed', 'false');
    status.textContent = text || 'Live tail stopped.';
  }
  function start() {
    source = new EventSource(box.getAttribute('data-live-stream'));
    button.textContent = 'Stop live tail';
    button.setAttribute('aria-pressed', 'true');
    status.textContent = 'Connecting…';
    source.onopen = function () { status.textContent = 'Live: new events appear at the top of the table.'; };
    source.onerror = function () { status.textContent = 'Connection lost; retrying…'; };
    source.addEventListener('event', function (m) {
      var ev;
      try { ev = JSON.parse(m.data); } catch (e) { return; }
      addRow(ev);
      added += 1;
      status.textContent = added + (added === 1 ? ' new event' : ' new events') + ' since the tail started.';
    });
  }
  button.addEventListener('click', function () { if (source) stop(); else start(); });
})();
)js";

constexpr std::string_view kIcon =
    R"(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#0757ad"/>)"
    R"(<path d="M4 4h8v2H9v6H7V6H4z" fill="#fff"/></svg>)";

constexpr StaticAsset kAssets[] = {
    {"text/css; charset=utf-8", kCss},
    {"text/javascript; charset=utf-8", kLiveJs},
    {"image/svg+xml", kIcon},
};

}  // namespace

const StaticAsset* FindStaticAsset(std::string_view name) {
  if (name == "trail.css") return &kAssets[0];
  if (name == "live.js") return &kAssets[1];
  if (name == "icon.svg") return &kAssets[2];
  return nullptr;
}

}  // namespace trail::ui
