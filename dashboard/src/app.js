// Vigie dashboard: filters, a world map (bundled Natural Earth atlas, no tile server),
// a timeline with a brush, the event list, an article view with every annotation
// highlighted at its span, and source pages. Views live in the URL fragment:
// #/ (overview), #/event/ID, #/document/ID?event=ID, #/source/KEY.

import { geoNaturalEarth1, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import { TEXT, TYPES, MODALITIES } from "./i18n.js";
import { segments } from "./spans.js";

const state = { lang: localStorage.getItem("vigie-lang") || "en", world: null, view: { k: 1, x: 0, y: 0 } };
const $ = (selector) => document.querySelector(selector);
const t = (key) => TEXT[state.lang][key] ?? key;

function escapeHtml(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

// A document's URL comes from its input (a feed, a crawl, a POST): only http(s) URLs
// become links; anything else (javascript:, data: …) is shown as text.
function linkTo(url) {
  return /^https?:\/\//i.test(url)
    ? `<a href="${escapeHtml(url)}" rel="noreferrer noopener">${escapeHtml(url)}</a>`
    : escapeHtml(url);
}

async function api(path) {
  const response = await fetch(path);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || response.statusText);
  return body;
}

function typeColour(type) {
  const colours = {
    ASSAULT: "var(--assault)", COERCE: "var(--coerce)", MOBILIZE: "var(--mobilize)",
    PROTEST: "var(--protest)", THREATEN: "var(--threaten)", SANCTION: "var(--threaten)",
  };
  return colours[type] || (["AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "REQUEST", "ACCUSE", "REJECT", "CONCEDE"].includes(type)
    ? "var(--verbal)" : "var(--other)");
}

function typeBadge(type) {
  return `<span class="type" style="background:${typeColour(type)}">${escapeHtml(type)}</span>`;
}

// ---- filters -------------------------------------------------------------------------

function filterParams() {
  const params = new URLSearchParams();
  for (const [name, value] of new FormData($("#filters"))) {
    if (String(value).trim() !== "") params.set(name, String(value).trim());
  }
  return params;
}

function setupFilters() {
  $("#filter-type").insertAdjacentHTML("beforeend", TYPES.map((type) => `<option>${type}</option>`).join(""));
  $("#filter-modality").insertAdjacentHTML(
    "beforeend", MODALITIES.map((m) => `<option value="${m}" data-i18n="${m}">${t(m)}</option>`).join(""));
  let timer;
  $("#filters").addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  $("#filters").addEventListener("reset", () => setTimeout(refresh, 0));
}

// ---- map -----------------------------------------------------------------------------

const MAP_WIDTH = 960, MAP_HEIGHT = 420;
const projection = geoNaturalEarth1().fitSize([MAP_WIDTH, MAP_HEIGHT], { type: "Sphere" });

function applyView() {
  const { k, x, y } = state.view;
  $("#map-layer")?.setAttribute("transform", `translate(${x},${y}) scale(${k})`);
  for (const circle of document.querySelectorAll("#map .event")) {
    circle.setAttribute("r", circle.dataset.radius / Math.sqrt(k));
  }
}

function setupMap() {
  const svg = $("#map");
  svg.setAttribute("viewBox", `0 0 ${MAP_WIDTH} ${MAP_HEIGHT}`);
  const path = geoPath(projection);
  const countries = feature(state.world, state.world.objects.countries).features;
  svg.innerHTML = `<g id="map-layer"><g>${countries.map((c) => `<path class="country" d="${path(c)}"><title>${escapeHtml(c.properties.name)}</title></path>`).join("")}</g><g id="points"></g></g>`;
  svg.addEventListener("wheel", (event) => {
    event.preventDefault();
    const box = svg.getBoundingClientRect();
    const px = ((event.clientX - box.left) / box.width) * MAP_WIDTH;
    const py = ((event.clientY - box.top) / box.height) * MAP_HEIGHT;
    const factor = event.deltaY < 0 ? 1.25 : 0.8;
    const k = Math.min(40, Math.max(1, state.view.k * factor));
    const ratio = k / state.view.k;
    state.view = { k, x: px - (px - state.view.x) * ratio, y: py - (py - state.view.y) * ratio };
    applyView();
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (event) => { drag = { x: event.clientX, y: event.clientY, view: { ...state.view } }; });
  window.addEventListener("pointerup", () => { drag = null; });
  window.addEventListener("pointermove", (event) => {
    if (!drag) return;
    const box = svg.getBoundingClientRect();
    const scale = MAP_WIDTH / box.width;
    state.view = { ...drag.view, x: drag.view.x + (event.clientX - drag.x) * scale, y: drag.view.y + (event.clientY - drag.y) * scale };
    applyView();
  });
}

function drawPoints(events) {
  const points = events.filter((e) => e.lat != null && e.lon != null).map((e) => {
    const [x, y] = projection([e.lon, e.lat]);
    const radius = 3 + 2.5 * Math.sqrt(e.source_count);
    return `<circle class="event" data-id="${e.id}" data-radius="${radius}" cx="${x}" cy="${y}" r="${radius}" fill="${typeColour(e.type)}"><title>${escapeHtml(`${e.type} · ${e.place ?? ""} · ${e.date ?? ""} · ${e.source_count} ${t("sources")}`)}</title></circle>`;
  });
  $("#points").innerHTML = points.join("");
  for (const circle of document.querySelectorAll("#map .event")) {
    circle.addEventListener("click", () => { location.hash = `#/event/${circle.dataset.id}`; });
  }
  applyView();
}

// ---- timeline ------------------------------------------------------------------------

function drawTimeline(days) {
  const svg = $("#timeline");
  const width = 960, height = 70;
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("preserveAspectRatio", "none");
  const dated = days.filter((d) => /^\d{4}-\d{2}-\d{2}$/.test(d.key)).sort((a, b) => a.key.localeCompare(b.key));
  if (dated.length === 0) { svg.innerHTML = `<text x="8" y="20">${t("noDates")}</text>`; return; }
  const first = Date.parse(dated[0].key), last = Date.parse(dated[dated.length - 1].key) + 86400000;
  const x = (time) => 4 + ((time - first) / (last - first)) * (width - 8);
  const max = Math.max(...dated.map((d) => d.count));
  svg.innerHTML = dated.map((d) => {
    const x0 = x(Date.parse(d.key)), x1 = x(Date.parse(d.key) + 86400000);
    const h = 4 + (d.count / max) * (height - 22);
    return `<rect class="bar" x="${x0}" width="${Math.max(1, x1 - x0 - 1)}" y="${height - 14 - h}" height="${h}"><title>${d.key}: ${d.count}</title></rect>`;
  }).join("") + `<text x="4" y="${height - 2}">${dated[0].key}</text><text x="${width - 4}" y="${height - 2}" text-anchor="end">${dated[dated.length - 1].key}</text><rect class="brush" id="brush" height="${height - 14}" y="0" width="0"></rect>`;
  const toDate = (clientX) => {
    const box = svg.getBoundingClientRect();
    const time = first + ((clientX - box.left) / box.width) * (last - first);
    return new Date(Math.min(last - 1, Math.max(first, time))).toISOString().slice(0, 10);
  };
  let start = null;
  svg.onpointerdown = (event) => { start = event.clientX; };
  svg.onpointermove = (event) => {
    if (start === null) return;
    const box = svg.getBoundingClientRect();
    const a = ((Math.min(start, event.clientX) - box.left) / box.width) * width;
    const b = ((Math.max(start, event.clientX) - box.left) / box.width) * width;
    $("#brush").setAttribute("x", a); $("#brush").setAttribute("width", b - a);
  };
  svg.onpointerup = (event) => {
    if (start === null) return;
    const [a, b] = [toDate(Math.min(start, event.clientX)), toDate(Math.max(start, event.clientX))];
    start = null;
    $("#filters").elements.from.value = a;
    $("#filters").elements.to.value = b;
    refresh();
  };
}

// ---- event list ------------------------------------------------------------------------

function drawList(events) {
  const rows = events.map((e) => `<tr data-id="${e.id}">
      <td>${escapeHtml(e.date ?? "—")}</td><td>${typeBadge(e.type)}</td>
      <td>${escapeHtml(e.actor ?? "—")}</td><td>${escapeHtml(e.recipient ?? "—")}</td>
      <td>${escapeHtml(e.place ? `${e.place} (${e.country_code ?? "?"})` : "—")}</td>
      <td>${e.source_count}</td><td>${escapeHtml(t(e.modality))}</td></tr>`);
  $("#events tbody").innerHTML = rows.join("") || `<tr><td colspan="7" class="muted">${t("noEvents")}</td></tr>`;
  for (const row of document.querySelectorAll("#events tbody tr[data-id]")) {
    row.addEventListener("click", () => { location.hash = `#/event/${row.dataset.id}`; });
  }
}

async function refresh() {
  const params = filterParams();
  params.set("limit", "500");
  try {
    const [events, days, stats] = await Promise.all([
      api(`/api/events?${params}`),
      api(`/api/aggregates/days?${filterParams()}`),
      api("/api/stats"),
    ]);
    drawList(events.items);
    drawPoints(events.items);
    drawTimeline(days.items);
    $("#stats").textContent = `${stats.events} ${t("events")} · ${stats.documents} ${t("articles")}`;
    document.body.dataset.loaded = "true";
  } catch (error) {
    $("#events tbody").innerHTML = `<tr><td colspan="7">${escapeHtml(error.message)}</td></tr>`;
  }
}

// ---- detail views ------------------------------------------------------------------------

async function showEvent(id) {
  const { event, reports } = await api(`/api/events/${id}`);
  const list = reports.map((r) => `<li><a href="#/document/${r.document_id}?event=${id}&report=${r.id}">${escapeHtml(r.title || t("untitled"))}</a>
      — <a href="#/source/${encodeURIComponent(r.source)}">${escapeHtml(r.source)}</a> ${escapeHtml(r.published ?? "")}
      <br><span class="muted">${escapeHtml(r.evidence)}</span></li>`).join("");
  $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p>
    <h2>${typeBadge(event.type)} ${escapeHtml(event.actor ?? "—")} → ${escapeHtml(event.recipient ?? "—")}</h2>
    <p>${escapeHtml(event.place ?? "—")} · ${escapeHtml(event.date ?? "—")} · ${escapeHtml(t(event.modality))}
      · ${event.acled_event_type ? escapeHtml(`ACLED: ${event.acled_event_type} / ${event.acled_sub_event_type}`) : ""}
      · ${event.source_count} ${t("sources")}, ${event.reports} ${t("reports")}</p>
    <ol class="reports">${list}</ol>`;
  if (reports.length > 0) await showDocument(reports[0].document_id, id, reports[0].id, true);
}

function annotations(doc, eventIds, selected) {
  const marks = [];
  const add = (span, cls, title) => { if (span) marks.push({ start: span[0], end: span[1], cls, title }); };
  for (const e of doc.entities) add(e.span, "entity", `${e.kind}${e.actor ? ` · ${e.actor}` : ""}${e.role ? ` · ${e.role.text}` : ""}`);
  for (const p of doc.places) add(p.span, "place", `${p.name} (${p.country_code}) · GeoNames ${p.geonameid}`);
  for (const a of doc.attributions) add(a.cue?.span, "attribution", `${t("attribution")}: ${a.kind}${a.speaker ? ` · ${a.speaker.text}` : ""}`);
  for (const s of doc.signals) add(s.span, "signal", `${s.kind}: ${s.detail}`);
  doc.events.forEach((e) => {
    const isSelected = selected && e.trigger.span[0] === selected.trigger_span[0];
    add(e.evidence, isSelected ? "evidence selected" : "evidence", `${e.type} · ${e.modality}`);
    add(e.trigger.span, "trigger", `${e.type}${e.mode ? ` (${e.mode})` : ""}`);
  });
  return marks;
}

async function showDocument(id, eventId, reportId, append = false) {
  const { document: doc, source } = await api(`/api/documents/${id}`);
  let selected = null;
  if (eventId) {
    const { reports } = await api(`/api/events/${eventId}`);
    selected = reports.find((r) => String(r.id) === String(reportId)) || reports.find((r) => r.document_id === id);
  }
  const html = segments(doc.text, annotations(doc, [], selected)).map(({ text, marks }) => {
    if (marks.length === 0) return escapeHtml(text);
    const classes = [...new Set(marks.flatMap((m) => m.cls.split(" ")))].join(" ");
    return `<span class="${classes}" title="${escapeHtml(marks.map((m) => m.title).join("\n"))}">${escapeHtml(text)}</span>`;
  }).join("");
  const view = `<h3>${escapeHtml(doc.title || t("untitled"))}</h3>
    <p class="muted">${escapeHtml(doc.published ?? "")} · <a href="#/source/${encodeURIComponent(source ?? "")}">${escapeHtml(source ?? "")}</a>
      ${doc.url ? ` · ${linkTo(doc.url)}` : ""}</p>
    <p class="legend annotated"><span class="entity">${t("actors")}</span><span class="place">${t("places")}</span>
      <span class="trigger">${t("triggers")}</span><span class="attribution">${t("attribution")}</span>
      <span class="signal">${t("signals")}</span><span class="evidence selected">${t("evidence")}</span></p>
    <div class="article annotated" id="article">${html}</div>`;
  if (append) $("#detail").insertAdjacentHTML("beforeend", view);
  else $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p>${view}`;
  document.querySelector("#article .selected")?.scrollIntoView({ block: "center" });
}

async function showSource(key) {
  const { profile, signals } = await api(`/api/sources/${encodeURIComponent(key)}`);
  const facts = profile
    ? `<dl class="profile"><dt>${t("outlet")}</dt><dd>${escapeHtml(profile.name)}</dd><dt>${t("owner")}</dt><dd>${escapeHtml(profile.owner)}</dd>
       <dt>${t("country")}</dt><dd>${escapeHtml(profile.country)}</dd><dt>${t("typology")}</dt><dd>${escapeHtml(profile.typology)}</dd>
       <dt>${t("basis")}</dt><dd>${escapeHtml(profile.basis)}</dd></dl>`
    : `<p class="muted">${t("noProfile")}</p>`;
  const list = signals.map((s) => `<li><b>${escapeHtml(s.kind)}</b> (${s.score.toFixed(2)}): ${escapeHtml(s.detail)}</li>`).join("");
  $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p><h2>${escapeHtml(key)}</h2>${facts}<h3>${t("signals")}</h3><ul>${list}</ul>`;
}

async function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query || "");
  const detail = parts.length > 0;
  $("#overview").hidden = detail;
  $("#detail").hidden = !detail;
  try {
    if (parts[0] === "event") await showEvent(parts[1]);
    else if (parts[0] === "document") await showDocument(Number(parts[1]), params.get("event"), params.get("report"));
    else if (parts[0] === "source") await showSource(decodeURIComponent(parts[1] || ""));
  } catch (error) {
    $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p><p>${escapeHtml(error.message)}</p>`;
  }
}

function translate() {
  document.documentElement.lang = state.lang;
  $("#lang").textContent = state.lang === "en" ? "FR" : "EN";
  for (const element of document.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
}

async function main() {
  state.world = await api("/world.json");
  setupFilters();
  setupMap();
  translate();
  $("#lang").addEventListener("click", () => {
    state.lang = state.lang === "en" ? "fr" : "en";
    localStorage.setItem("vigie-lang", state.lang);
    translate();
    refresh();
    route();
  });
  window.addEventListener("hashchange", route);
  await refresh();
  await route();
}

main();
