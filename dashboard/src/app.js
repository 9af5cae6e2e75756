// Vigie dashboard: filters, a world map (bundled Natural Earth atlas, no tile server),
// a timeline with a brush, the event list, an article view with every annotation
// highlighted at its span beside a trust panel, source pages and saved searches. Views
// live in the URL fragment: #/ (overview), #/event/ID, #/document/ID?event=ID,
// #/source/KEY, #/watches.

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
    showSaveFilter();
    $("#stats").textContent = `${stats.events} ${t("events")} · ${stats.documents} ${t("articles")}`;
    document.body.dataset.loaded = "true";
  } catch (error) {
    $("#events tbody").innerHTML = `<tr><td colspan="7">${escapeHtml(error.message)}</td></tr>`;
  }
}

// ---- detail views ------------------------------------------------------------------------

// A label for a value the API gives (typology, attribution kind, signal kind): translated
// when the language has one, else shown as the API spells it.
function label(group, value) {
  return TEXT[state.lang][`${group}.${value}`] ?? value;
}

function typology(profile) {
  return `<span class="typology ${escapeHtml(profile.typology)}">${escapeHtml(label("typology", profile.typology))}</span>`;
}

function profileFacts(profile) {
  return `<dl class="profile"><dt>${t("outlet")}</dt><dd>${escapeHtml(profile.name)}</dd>
    <dt>${t("typology")}</dt><dd>${typology(profile)}</dd><dt>${t("owner")}</dt><dd>${escapeHtml(profile.owner)}</dd>
    <dt>${t("country")}</dt><dd>${escapeHtml(profile.country)}</dd><dt>${t("basis")}</dt><dd>${escapeHtml(profile.basis)}</dd></dl>`;
}

// Who says so: a speaker and the kind of source, or no source at all.
function sourcing(kind, speaker) {
  if (!kind || kind === "none") return `<span class="nosource">${t("noSource")}</span>`;
  return `${t("accordingTo")} ${escapeHtml(speaker ?? "—")} <span class="muted">(${escapeHtml(label("attr", kind))})</span>`;
}

// The code points of `points` in `span`, cut short when long.
function excerpt(points, span, max = 180) {
  const text = points.slice(span[0], span[1]).join("");
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function annotations(doc, selected) {
  const marks = [];
  const add = (span, cls, title) => { if (span) marks.push({ start: span[0], end: span[1], cls, title }); };
  for (const e of doc.entities) add(e.span, "entity", `${e.kind}${e.actor ? ` · ${e.actor}` : ""}${e.role ? ` · ${e.role.text}` : ""}`);
  for (const p of doc.places) add(p.span, "place", `${p.name} (${p.country_code}) · GeoNames ${p.geonameid}`);
  for (const a of doc.attributions) add(a.cue?.span, "attribution", `${t("attribution")}: ${a.kind}${a.speaker ? ` · ${a.speaker.text}` : ""}`);
  for (const s of doc.signals) add(s.span, "signal", `${s.kind}: ${s.detail}`);
  doc.events.forEach((e, index) => {
    add(e.evidence, index === selected ? "evidence selected" : "evidence", `${e.type} · ${e.modality}`);
    add(e.trigger.span, "trigger", `${e.type}${e.mode ? ` (${e.mode})` : ""}`);
  });
  return marks;
}

function articleHtml(doc, selected) {
  return segments(doc.text, annotations(doc, selected)).map(({ text, marks }) => {
    if (marks.length === 0) return escapeHtml(text);
    const classes = [...new Set(marks.flatMap((m) => m.cls.split(" ")))].join(" ");
    return `<span class="${classes}" title="${escapeHtml(marks.map((m) => m.title).join("\n"))}">${escapeHtml(text)}</span>`;
  }).join("");
}

// ---- trust panel

function attributionShares(a) {
  const total = Number(a.events) || 0;
  if (total === 0) return `<p class="muted">${t("noClaims")}</p>`;
  const kinds = ["named", "outlet", "anonymous", "none"];
  const count = (kind) => Number(a[kind]) || 0;
  const percent = new Intl.NumberFormat(state.lang, { style: "percent" });
  const bar = kinds.map((k) => `<span class="share ${k}" style="width:${(100 * count(k)) / total}%"></span>`).join("");
  const rows = kinds.map((k) => `<li data-attribution="${k}"><span class="swatch ${k}"></span>${escapeHtml(label("attr", k))}:
    <b>${count(k)}</b> (${percent.format(count(k) / total)})</li>`).join("");
  return `<p>${t("claims")} ${total}</p><div class="shares-bar">${bar}</div><ul class="shares">${rows}</ul>`;
}

function corroboration(e) {
  if (e.corroboration.length === 0) return ` <span class="muted">· ${t("noCorroboration")}</span>`;
  const items = e.corroboration.map((r) => `<li><a href="#/document/${Number(r.document_id)}?event=${Number(e.event_id)}">${escapeHtml(r.title || t("untitled"))}</a>
      — ${escapeHtml(r.source)} ${r.profile ? typology(r.profile) : `<span class="muted">(${t("noProfileShort")})</span>`}
      · ${escapeHtml(r.published ?? "—")} · ${escapeHtml(t(r.modality))} · ${sourcing(r.attribution, r.speaker)}</li>`);
  return `<div>${t("alsoReported")}</div><ul data-list="corroboration">${items.join("")}</ul>`;
}

function eventLine(e) {
  const facts = [
    e.mode ? escapeHtml(e.mode) : null,
    `${escapeHtml(e.actor ?? "—")} → ${escapeHtml(e.recipient ?? "—")}`,
    escapeHtml(e.place ?? "—"), escapeHtml(e.date ?? "—"), escapeHtml(t(e.modality)),
  ].filter(Boolean);
  const link = e.event_id != null ? ` <a href="#/event/${Number(e.event_id)}">${t("eventPage")}</a>` : "";
  return `<li class="trust-event" data-index="${Number(e.index)}" tabindex="0" role="button">
    ${typeBadge(e.type)} ${facts.join(" · ")} · ${sourcing(e.attribution.kind, e.attribution.speaker)}
    <span class="muted">“${escapeHtml(e.trigger.text)}”</span>${link}${corroboration(e)}</li>`;
}

function signalItem(points) {
  return (s) => `<li><b>${escapeHtml(label("signal", s.kind))}</b>: ${escapeHtml(s.detail)}
    ${s.span ? `<q>${escapeHtml(excerpt(points, s.span))}</q>` : ""}</li>`;
}

function captionItem(c) {
  const flag = c.mismatch
    ? `<span class="flag mismatch">${t("captionMismatch")}</span>`
    : `<span class="flag match">${t("captionMatch")}</span>`;
  const detail = c.detail ? String(c.detail).replace(`: “${c.text}”`, "") : "";
  return `<li class="caption">${flag} <q>${escapeHtml(c.text)}</q>${c.credit ? ` <span class="muted">(${escapeHtml(c.credit)})</span>` : ""}
    ${detail ? `<div class="muted">${escapeHtml(detail)}</div>` : ""}</li>`;
}

function duplicateItem(d) {
  return `<li><a href="#/document/${Number(d.id)}">${escapeHtml(d.title || t("untitled"))}</a>
    — ${escapeHtml(d.source ?? "")} · ${escapeHtml(d.published ?? "—")}</li>`;
}

function trustPanel(id, trust, points) {
  const list = (name, items, render, tag = "ul") => items.length === 0
    ? `<p class="muted">${t("none")}</p>`
    : `<${tag} data-list="${name}">${items.map(render).join("")}</${tag}>`;
  const section = (name, title, body) => `<section class="trust-${name}"><h4>${t(title)}</h4>${body}</section>`;
  return `<aside id="trust" class="trust" data-document="${Number(id)}"><h3>${t("trustTitle")}</h3>
    ${section("outlet", "outletProfile", trust.outlet ? profileFacts(trust.outlet) : `<p class="muted">${t("noProfile")}</p>`)}
    ${section("attribution", "sourcingTitle", attributionShares(trust.attribution))}
    ${section("events", "eventsTitle", `<p class="hint muted">${t("eventsHint")}</p>${list("events", trust.events, eventLine, "ol")}`)}
    ${section("unattributed", "unattributedTitle", list("unattributed", trust.unattributed, signalItem(points)))}
    ${section("language", "languageTitle", list("language", trust.language, signalItem(points)))}
    ${section("captions", "captionsTitle", list("captions", trust.captions, captionItem))}
    ${section("duplicates", "duplicatesTitle", list("near_duplicates", trust.near_duplicates, duplicateItem))}
  </aside>`;
}

// ---- event and article views

// A report's evidence with its trigger marked (spans in code points of the article).
function evidenceQuote(r) {
  const points = Array.from(r.evidence ?? "");
  const start = r.trigger_span?.[0] - r.evidence_span?.[0];
  const end = r.trigger_span?.[1] - r.evidence_span?.[0];
  if (!(start >= 0 && end <= points.length && start < end)) return escapeHtml(r.evidence);
  const part = (a, b) => escapeHtml(points.slice(a, b).join(""));
  return `${part(0, start)}<mark class="trigger">${part(start, end)}</mark>${part(end)}`;
}

function reportCard(r, eventId) {
  const profile = r.profile
    ? `${typology(r.profile)} <span class="muted">${escapeHtml(r.profile.owner)} · ${escapeHtml(r.profile.country)}</span>`
    : `<span class="muted">${t("noProfileShort")}</span>`;
  return `<article class="report-card">
    <h4><a href="#/document/${Number(r.document_id)}?event=${Number(eventId)}">${escapeHtml(r.title || t("untitled"))}</a></h4>
    <p class="muted"><a href="#/source/${encodeURIComponent(r.source)}">${escapeHtml(r.source)}</a> · ${escapeHtml(r.published ?? "—")}</p>
    <p class="card-profile">${profile}</p>
    <p><b>${t("modality")}</b>: ${escapeHtml(t(r.modality))}<br><b>${t("sourcingTitle")}</b>: ${sourcing(r.attribution, r.speaker)}</p>
    <blockquote>${evidenceQuote(r)}</blockquote></article>`;
}

// Where the reports of one event disagree: modality, who says so, the outlets' typology.
function differences(reports) {
  const distinct = (values) => [...new Set(values)];
  const notes = [
    ["differModality", distinct(reports.map((r) => t(r.modality)))],
    ["differSourcing", distinct(reports.map((r) => label("attr", r.attribution)))],
    ["differTypology", distinct(reports.map((r) => (r.profile ? label("typology", r.profile.typology) : t("noProfileShort"))))],
  ].filter(([, values]) => values.length > 1);
  return notes.map(([key, values]) => `<p class="difference">${t(key)}: ${values.map(escapeHtml).join(" / ")}</p>`).join("");
}

async function showEvent(id) {
  const { event, reports } = await api(`/api/events/${id}`);
  $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p>
    <h2>${typeBadge(event.type)} ${escapeHtml(event.actor ?? "—")} → ${escapeHtml(event.recipient ?? "—")}</h2>
    <p>${escapeHtml(event.place ?? "—")} · ${escapeHtml(event.date ?? "—")} · ${escapeHtml(t(event.modality))}
      · ${event.acled_event_type ? escapeHtml(`ACLED: ${event.acled_event_type} / ${event.acled_sub_event_type}`) : ""}
      · ${Number(event.source_count)} ${t("sources")}, ${Number(event.reports)} ${t("reports")}</p>
    ${differences(reports)}
    <div class="report-cards">${reports.map((r) => reportCard(r, id)).join("")}</div>`;
  if (reports.length > 0) await showDocument(reports[0].document_id, id, true);
}

async function showDocument(id, eventId, append = false) {
  const { document: doc, source, trust } = await api(`/api/documents/${id}`);
  const points = Array.from(doc.text);
  const view = `<h3>${escapeHtml(doc.title || t("untitled"))}</h3>
    <p class="muted">${escapeHtml(doc.published ?? "")} · <a href="#/source/${encodeURIComponent(source ?? "")}">${escapeHtml(source ?? "")}</a>
      ${doc.url ? ` · ${linkTo(doc.url)}` : ""}</p>
    <p class="legend annotated"><span class="entity">${t("actors")}</span><span class="place">${t("places")}</span>
      <span class="trigger">${t("triggers")}</span><span class="attribution">${t("attribution")}</span>
      <span class="signal">${t("signals")}</span><span class="evidence selected">${t("evidence")}</span></p>
    <div class="reading"><div class="article annotated" id="article"></div>${trustPanel(id, trust, points)}</div>`;
  if (append) $("#detail").insertAdjacentHTML("beforeend", view);
  else $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p>${view}`;
  const select = (index) => {
    $("#article").innerHTML = articleHtml(doc, index);
    for (const line of document.querySelectorAll("#trust .trust-event")) {
      line.classList.toggle("selected", Number(line.dataset.index) === index);
    }
    document.querySelector("#article .selected")?.scrollIntoView({ block: "center" });
  };
  for (const line of document.querySelectorAll("#trust .trust-event")) {
    const choose = (event) => { if (!event.target.closest("a")) select(Number(line.dataset.index)); };
    line.addEventListener("click", choose);
    line.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); choose(event); } });
  }
  select(eventId ? trust.events.findIndex((e) => String(e.event_id) === String(eventId)) : -1);
}

async function showSource(key) {
  const { profile, signals } = await api(`/api/sources/${encodeURIComponent(key)}`);
  const facts = profile ? profileFacts(profile) : `<p class="muted">${t("noProfile")}</p>`;
  const list = signals.map((s) => `<li><b>${escapeHtml(label("signal", s.kind))}</b> (${Number(s.score).toFixed(2)}): ${escapeHtml(s.detail)}</li>`).join("");
  $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p><h2>${escapeHtml(key)}</h2>${facts}<h3>${t("signals")}</h3><ul>${list}</ul>`;
}

// ---- saved searches ----------------------------------------------------------------------
// The write token lives in sessionStorage; the newest alert seen per saved search in
// localStorage, so that alerts that came since the last visit are marked new.

const TOKEN_KEY = "vigie-token", SEEN_KEY = "vigie-watches-seen";

function seenAlerts() {
  try { return JSON.parse(localStorage.getItem(SEEN_KEY)) || {}; } catch { return {}; }
}

function markSeen(watchId, alertId) {
  const seen = seenAlerts();
  seen[watchId] = Math.max(seen[watchId] ?? 0, Number(alertId) || 0);
  localStorage.setItem(SEEN_KEY, JSON.stringify(seen));
}

// A write to the API with the bearer token; the API's error text when it refuses.
async function send(method, path, token, body) {
  const response = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { "Content-Type": "application/json" } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.error || `${response.status} ${response.statusText}`);
  sessionStorage.setItem(TOKEN_KEY, token);
  return answer;
}

function showSaveFilter() {
  $("#save-filter").textContent = filterParams().toString() || t("everything");
}

function setupSaveSearch() {
  const form = $("#save-form");
  form.elements.token.value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  $("#save-search").addEventListener("toggle", showSaveFilter);
  $("#filters").addEventListener("input", showSaveFilter);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const output = $("#save-result");
    try {
      const filter = filterParams().toString();
      const watch = await send("POST", "/api/watches", form.elements.token.value.trim(), { name: form.elements.name.value.trim(), filter });
      markSeen(watch.id, watch.last_alert_id);
      output.className = "ok";
      output.innerHTML = `${t("saved")} <a href="#/watches">${escapeHtml(watch.name)}</a>`;
    } catch (error) {
      output.className = "error";
      output.textContent = `${t("refused")}: ${error.message}`;
    }
  });
}

function eventSummary(e) {
  return `<a href="#/event/${Number(e.id)}">${typeBadge(e.type)} ${escapeHtml(e.actor ?? "—")} → ${escapeHtml(e.recipient ?? "—")}</a>
    · ${escapeHtml(e.place ? `${e.place} (${e.country_code ?? "?"})` : "—")} · ${escapeHtml(e.date ?? "—")}
    · ${escapeHtml(t(e.modality))} · ${Number(e.source_count)} ${t("sources")}`;
}

// A webhook URL can hold a secret: only its host is shown.
function webhookHost(url) {
  try { return new URL(url).host; } catch { return "?"; }
}

function counted(n, one, many) {
  return `${n} ${t(n === 1 ? one : many)}`;
}

function watchCard(watch, alerts, seen) {
  const isNew = (alert) => alert.id > seen;
  const fresh = alerts.filter(isNew).length;
  const more = fresh === alerts.length && watch.alerts > alerts.length ? "+" : "";
  const lines = alerts.map((a) => `<li class="alert${isNew(a) ? " new" : ""}">${isNew(a) ? `<span class="new-badge">${t("new")}</span> ` : ""}
      ${eventSummary(a.event)} <span class="muted">${escapeHtml(new Date(a.created_at * 1000).toLocaleString(state.lang))}</span></li>`);
  return `<section class="watch" data-id="${Number(watch.id)}">
    <h3>${escapeHtml(watch.name)}</h3>
    <p><span class="muted">${t("filterLabel")}:</span> <code>${escapeHtml(watch.filter || t("everything"))}</code>
      · <span class="alert-count">${counted(Number(watch.alerts), "alert", "alerts")}</span>
      · <span class="new-count${fresh ? " fresh" : ""}">${more ? `${fresh}+ ${t("newAlerts")}` : counted(fresh, "newAlert", "newAlerts")}</span>
      · <a class="feed" href="/api/watches/${Number(watch.id)}/feed.atom">${t("atomFeed")}</a>
      ${watch.webhook ? `· ${t("webhook")}: ${escapeHtml(webhookHost(watch.webhook))}` : ""}
      <button type="button" class="delete">${t("delete")}</button> <output class="error"></output></p>
    ${lines.length ? `<ul class="alerts">${lines.join("")}</ul>` : `<p class="muted">${t("noAlerts")}</p>`}</section>`;
}

async function showWatches(entering) {
  const { items } = await api("/api/watches");
  const alerts = await Promise.all(items.map((w) => api(`/api/watches/${Number(w.id)}/alerts?limit=10`)));
  // What was seen before this visit decides what is new, also when the page is redrawn.
  if (entering || !state.seen) state.seen = seenAlerts();
  $("#detail").innerHTML = `<p><a href="#/">← ${t("back")}</a></p><h2>${t("watches")}</h2>
    <p class="muted">${t("watchesHint")}</p>
    <p><label>${t("token")} <input type="password" id="watch-token" autocomplete="off"></label></p>
    ${items.map((w, i) => watchCard(w, alerts[i].items, state.seen[w.id] ?? 0)).join("") || `<p class="muted">${t("noWatches")}</p>`}`;
  $("#watch-token").value = sessionStorage.getItem(TOKEN_KEY) ?? "";
  for (const watch of items) markSeen(watch.id, watch.last_alert_id);
  for (const card of document.querySelectorAll("#detail .watch")) {
    card.querySelector(".delete").addEventListener("click", async () => {
      const name = card.querySelector("h3").textContent;
      if (!confirm(t("confirmDelete").replace("{name}", name))) return;
      try {
        await send("DELETE", `/api/watches/${card.dataset.id}`, $("#watch-token").value.trim());
        await showWatches(false);
      } catch (error) {
        card.querySelector("output").textContent = `${t("refused")}: ${error.message}`;
      }
    });
  }
}

async function route() {
  const [path, query] = location.hash.replace(/^#/, "").split("?");
  const parts = path.split("/").filter(Boolean);
  const params = new URLSearchParams(query || "");
  const entering = state.path !== path;
  state.path = path;
  const detail = parts.length > 0;
  $("#overview").hidden = detail;
  $("#detail").hidden = !detail;
  try {
    if (parts[0] === "event") await showEvent(parts[1]);
    else if (parts[0] === "document") await showDocument(Number(parts[1]), params.get("event"));
    else if (parts[0] === "source") await showSource(decodeURIComponent(parts[1] || ""));
    else if (parts[0] === "watches") await showWatches(entering);
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
  setupSaveSearch();
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
