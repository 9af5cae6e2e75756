// Browser test of the dashboard in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core): ingests the bundled examples and a few invented records into a
// fresh store, starts `vigie serve --token`, loads the dashboard, filters by type, clicks
// an event and checks that its evidence is highlighted; checks that each article's trust
// panel shows every signal the API gives as visible text and that clicking an event line
// highlights its evidence; checks the event view's report cards; saves a search through
// the interface, ingests a matching article while the server runs and checks the saved
// searches page and its Atom feed. Keeps screenshots as artifacts.
//
// Usage: node tests/browser.mjs [path/to/vigie]   (default: ../target/release/vigie)
// The seed article in $VIGIE_SEED_DIR (default /work/shared/data/seed/) is checked too
// when that directory exists.

import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const repo = new URL("../../", import.meta.url).pathname;
const vigie = process.argv[2] || `${repo}target/release/vigie`;
const work = `${repo}target/browser-test/`;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";
const seedDir = process.env.VIGIE_SEED_DIR || "/work/shared/data/seed/";
const token = `browser-test-${process.pid}-${Date.now()}`;

function fail(message) {
  console.error(`browser test: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

function ingest(path) {
  execFileSync(vigie, ["ingest", path, "--db", `${work}vigie.db`, "--quiet"], { stdio: ["ignore", "ignore", "inherit"] });
}

function writeJsonl(name, records) {
  writeFileSync(`${work}${name}`, records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  return `${work}${name}`;
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
ingest(`${repo}examples`);
// A record whose URL is a script: it must never become a link.
ingest(writeJsonl("hostile.jsonl", [{
  id: "hostile-url", url: "javascript:alert(document.domain)", title: "Lien piégé", published: "2026-03-03",
  text: "Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, selon une source sécuritaire. Dépêche 4242.",
}]));
// An invented article from a state-controlled outlet of data/sources/outlets.tsv (TASS):
// an event told without a source, and a photo caption about something else entirely.
// The same text from another outlet (Interfax, independent) makes a near-duplicate and a
// second report of the event. First paragraphs run over 30 words, so that the plain-text
// layout never takes one for a headline.
const depot = "Ukrainian forces shelled a fuel depot near Belgorod on Tuesday, setting two tanks on fire and wounding three workers "
  + "who were unloading a tanker when the first shells hit the site late in the evening.";
const blaze = "Firefighters worked through the night to contain the blaze at the depot, which stores diesel for the region's farms and bus companies.";
ingest(writeJsonl("trust.jsonl", [
  {
    id: "state-outlet-depot", source: "TASS", title: "Night of fire near Belgorod", published: "2026-03-05",
    url: "https://example.org/tass-depot",
    html: `<html><head><title>Night of fire near Belgorod</title></head><body><article><h1>Night of fire near Belgorod</h1>
      <figure><img src="depot.jpg" alt=""><figcaption>Fishermen repair their nets in Valparaiso, Chile, on 12 January 2019. (Reuters)</figcaption></figure>
      <p>${depot}</p><p>${blaze}</p></article></body></html>`,
  },
  {
    id: "copy-depot", source: "Interfax", title: "Fire at a Belgorod fuel depot", published: "2026-03-05",
    url: "https://example.org/interfax-depot", text: `${depot}\n\n${blaze}`,
  },
]));
const withSeed = existsSync(seedDir);
if (withSeed) ingest(seedDir);
else console.log(`browser test: no seed articles at ${seedDir}, skipping their trust panel`);

const server = spawn(vigie, ["serve", "--db", `${work}vigie.db`, "--addr", "127.0.0.1:0", "--token", token], { stdio: ["ignore", "pipe", "inherit"] });
const base = await new Promise((resolve, reject) => {
  let seen = "";
  server.stdout.on("data", (chunk) => {
    seen += chunk;
    const match = seen.match(/http:\/\/127\.0\.0\.1:\d+\//);
    if (match) resolve(match[0]);
  });
  server.on("exit", (code) => reject(new Error(`vigie serve exited with ${code}`)));
  setTimeout(() => reject(new Error("vigie serve did not start")), 30000);
});

async function get(path) {
  const response = await fetch(`${base}${path}`);
  if (!response.ok) fail(`GET ${path}: ${response.status}`);
  return response.json();
}

// The stored article whose text matches `q` and whose source passes `test`.
async function findDocument(q, test) {
  const { items } = await get(`api/search?q=${encodeURIComponent(q)}`);
  const found = items.find((d) => test(d.source ?? ""));
  if (!found) fail(`no stored article for ${JSON.stringify(q)}`);
  return found.id;
}

const codePoints = (text, [start, end]) => Array.from(text).slice(start, end).join("");
const percent = (n, total) => `${Math.round((100 * n) / total)}%`;
const lists = ["events", "unattributed", "language", "captions", "near_duplicates"];

// Opens an article and checks that its trust panel shows, as visible text, everything
// the API's `trust` holds, and that clicking each event line highlights its evidence.
async function checkTrust(page, id, name) {
  const { document: doc, trust } = await get(`api/documents/${id}`);
  await page.goto(`${base}#/document/${id}`);
  const panel = page.locator(`#trust[data-document="${id}"]`);
  await panel.waitFor();
  const shown = await panel.innerText();
  const expect = (condition, what) => { if (!condition) fail(`${name}: ${what}`); };
  const outlet = trust.outlet;
  if (outlet) {
    for (const fact of [outlet.name, outlet.typology, outlet.owner, outlet.country]) expect(shown.includes(fact), `outlet ${JSON.stringify(fact)} not shown`);
  } else {
    expect(shown.includes("No profile for this source"), "no 'no profile' line");
  }
  const a = trust.attribution;
  for (const kind of ["named", "outlet", "anonymous", "none"]) {
    if (a.events === 0) break;
    const line = await page.locator(`#trust [data-attribution=${kind}]`).innerText();
    expect(line.includes(String(a[kind])) && line.includes(percent(a[kind], a.events)), `attribution ${kind} shows ${JSON.stringify(line)}, not ${a[kind]} (${percent(a[kind], a.events)})`);
  }
  for (const list of lists) {
    const rendered = await page.locator(`#trust [data-list=${list}] > li`).count();
    expect(rendered === trust[list].length, `${rendered} ${list} rendered, the API has ${trust[list].length}`);
  }
  const visible = (locator) => locator.evaluate((element) => {
    const box = element.getBoundingClientRect();
    return box.bottom > 0 && box.top < window.innerHeight && box.width > 0;
  });
  for (const [i, e] of trust.events.entries()) {
    const line = page.locator("#trust [data-list=events] > li").nth(i);
    const text = await line.innerText();
    const says = e.attribution.kind === "none" ? "no source" : (e.attribution.speaker ?? "");
    for (const fact of [e.type, e.modality, e.actor, e.recipient, e.place, e.date, e.mode, says].filter(Boolean)) {
      expect(text.includes(fact), `event line ${i} lacks ${JSON.stringify(fact)}: ${JSON.stringify(text)}`);
    }
    const others = line.locator("[data-list=corroboration] > li");
    expect(await others.count() === e.corroboration.length, `event ${i}: ${await others.count()} other reports shown, the API has ${e.corroboration.length}`);
    for (const [j, r] of e.corroboration.entries()) {
      const other = await others.nth(j).innerText();
      expect(other.includes(r.source) && other.includes(r.profile ? r.profile.typology : "no profile"), `event ${i}: other report ${JSON.stringify(other)}`);
    }
    await line.click({ position: { x: 4, y: 6 } });
    await page.waitForFunction((index) => document.querySelector(`#trust .trust-event.selected`)?.dataset.index === String(index), i);
    const highlighted = (await page.locator("#article .evidence.selected").allTextContents()).join("");
    const evidence = codePoints(doc.text, e.evidence);
    expect(highlighted.trim() !== "" && evidence.includes(highlighted.trim()), `event ${i}: highlighted ${JSON.stringify(highlighted.slice(0, 60))} is not its evidence ${JSON.stringify(evidence.slice(0, 60))}`);
    const triggers = (await page.locator("#article .evidence.selected.trigger").allTextContents()).join(" ");
    expect(triggers.includes(codePoints(doc.text, e.trigger.span)), `event ${i}: trigger ${JSON.stringify(e.trigger.text)} not highlighted`);
    expect(await visible(page.locator("#article .evidence.selected").first()), `event ${i}: evidence not scrolled into view`);
  }
  for (const [i, s] of [...trust.unattributed.map((s) => ["unattributed", s]), ...trust.language.map((s) => ["language", s])].entries()) {
    expect(shown.includes(s[1].detail), `signal ${i} ${JSON.stringify(s[1].detail)} not shown`);
  }
  for (const [i, c] of trust.captions.entries()) {
    const item = page.locator("#trust [data-list=captions] > li").nth(i);
    const text = await item.innerText();
    expect(text.includes(c.text), `caption ${i} text not shown`);
    const flagged = await item.locator(".flag.mismatch").count() === 1 && text.includes("caption unrelated to the story");
    expect(flagged === c.mismatch, `caption ${i}: mismatch flag ${flagged ? "shown" : "not shown"}, the API says ${c.mismatch}`);
  }
  for (const [i, d] of trust.near_duplicates.entries()) {
    const href = await page.locator("#trust [data-list=near_duplicates] > li a").nth(i).getAttribute("href");
    expect(href === `#/document/${d.id}`, `near-duplicate ${i} links to ${href}`);
  }
  const counts = lists.map((list) => `${trust[list].length} ${list}`).join(", ");
  console.log(`browser test: trust panel of ${name} (document ${id}): ${outlet ? outlet.typology : "no profile"}, ${counts}`);
  return trust;
}

const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = [];
  page.on("pageerror", (error) => errors.push(error.message));
  await page.goto(base);
  await page.waitForSelector("body[data-loaded=true]");
  const allRows = await page.locator("#events tbody tr[data-id]").count();
  if (allRows === 0) fail("no events listed");
  const countries = await page.locator("#map path.country").count();
  if (countries < 100) fail(`map shows ${countries} countries`);
  const points = await page.locator("#map circle.event").count();
  if (points === 0) fail("no event on the map");

  // Filter by type.
  await page.selectOption("#filter-type", "ASSAULT");
  await page.waitForFunction((before) => {
    const rows = [...document.querySelectorAll("#events tbody tr[data-id]")];
    return rows.length > 0 && rows.length < before && rows.every((r) => r.cells[1].textContent.trim() === "ASSAULT");
  }, allRows);
  const assaults = await page.locator("#events tbody tr[data-id]").count();

  // Open the first event: its evidence is highlighted in the article.
  const evidence = (await page.locator("#events tbody tr[data-id]").first().getAttribute("data-id"));
  await page.locator("#events tbody tr[data-id]").first().click();
  await page.waitForSelector("#article .evidence.selected");
  const highlighted = (await page.locator("#article .evidence.selected").allTextContents()).join("");
  const event = await get(`api/events/${evidence}`);
  const expected = event.reports[0].evidence;
  if (!highlighted.trim() || !expected.includes(highlighted.trim().slice(0, 20))) {
    fail(`highlighted evidence ${JSON.stringify(highlighted.slice(0, 80))} is not the event's ${JSON.stringify(expected.slice(0, 80))}`);
  }
  const triggers = await page.locator("#article .trigger").count();
  const places = await page.locator("#article .place").count();
  if (triggers === 0 || places === 0) fail(`article view lacks annotations (triggers ${triggers}, places ${places})`);
  await page.screenshot({ path: `${work}dashboard-event.png`, fullPage: true });

  // A javascript: URL is shown as text, not as a link.
  const hits = await get("api/search?q=4242");
  if (hits.items.length !== 1) fail(`search for the hostile record found ${hits.items.length} documents`);
  await page.goto(`${base}#/document/${hits.items[0].id}`);
  await page.waitForSelector(`#trust[data-document="${hits.items[0].id}"]`);
  const scriptLinks = await page.locator('a[href^="javascript:" i]').count();
  const shown = await page.locator("#detail").textContent();
  if (scriptLinks > 0) fail("a javascript: URL became a link");
  if (!shown.includes("javascript:alert")) fail("the document's URL is not shown as text");

  // Trust panels: the state-controlled outlet's article, its copy, fr-02 and the seed article.
  const tassId = await findDocument("Belgorod", (source) => source.toLowerCase() === "tass");
  const tass = await checkTrust(page, tassId, "the TASS record");
  if (tass.outlet?.typology !== "state-controlled") fail(`the TASS record's outlet is ${JSON.stringify(tass.outlet)}`);
  const unsourced = tass.events.findIndex((e) => e.attribution.kind === "none");
  if (unsourced < 0) fail("the TASS record has no event without a source");
  if (!(await page.locator("#trust [data-list=events] > li").nth(unsourced).innerText()).includes("no source")) fail("an event without a source does not say so");
  if (!tass.captions.some((c) => c.mismatch)) fail("the TASS record's caption is not flagged as mismatched by the API");
  if (!tass.events.some((e) => e.corroboration.some((r) => r.profile?.typology === "independent"))) fail("the TASS record's event has no corroboration from Interfax");
  if (tass.near_duplicates.length === 0) fail("the TASS record has no near-duplicate");
  await page.locator("#trust [data-list=events] > li").nth(unsourced).click({ position: { x: 4, y: 6 } });
  await page.screenshot({ path: `${work}dashboard-trust.png`, fullPage: true });
  await checkTrust(page, tass.near_duplicates[0].id, "the Interfax copy");
  const fr02 = await checkTrust(page, await findDocument("Tombouctou", (source) => source.includes("fr-02")), "fr-02");
  if (fr02.captions.length === 0) fail("fr-02's caption is not in its trust panel");
  if (!fr02.captions.some((c) => c.mismatch)) console.log("browser test: note: the API does not flag fr-02's caption as mismatched; the panel shows it unflagged, as the API says");
  if (withSeed) {
    const seed = await checkTrust(page, await findDocument("Salaheddine", () => true), "the seed article");
    await page.screenshot({ path: `${work}dashboard-trust-seed.png`, fullPage: true });
    if (!seed.captions.some((c) => c.mismatch)) fail("the seed article's Washington caption is not flagged");
  }

  // The event view: one card per report, each with its outlet's profile and evidence.
  const depotEvent = tass.events[unsourced].event_id;
  const { reports } = await get(`api/events/${depotEvent}`);
  await page.goto(`${base}#/event/${depotEvent}`);
  await page.waitForSelector(`#trust[data-document]`);
  const cards = page.locator(".report-card");
  if (await cards.count() !== reports.length || reports.length < 2) fail(`${await cards.count()} report cards for ${reports.length} reports`);
  for (const [i, r] of reports.entries()) {
    const card = await cards.nth(i).innerText();
    for (const fact of [r.source, r.profile ? r.profile.typology : "no profile", r.modality, r.attribution === "none" ? "no source" : r.speaker, r.evidence]) {
      if (!card.includes(fact)) fail(`report card ${i} lacks ${JSON.stringify(fact)}`);
    }
  }
  if (!(await page.locator(".difference").allInnerTexts()).join(" ").includes("state-controlled")) fail("the event view does not show that the outlets differ");
  await page.screenshot({ path: `${work}dashboard-event-reports.png`, fullPage: true });

  // Save a search through the interface: refused with a wrong token, saved with the right one.
  await page.goto(base);
  await page.waitForSelector("body[data-loaded=true]");
  await page.selectOption("#filter-type", "ASSAULT");
  await page.click("#save-search summary");
  await page.waitForFunction(() => document.querySelector("#save-filter").textContent === "type=ASSAULT");
  const watchName = "Attacks (browser test)";
  await page.fill("#save-form input[name=name]", watchName);
  await page.fill("#save-form input[name=token]", "not-the-token");
  await page.click("#save-form button[type=submit]");
  await page.waitForSelector("#save-result.error");
  const refusal = await page.locator("#save-result").innerText();
  if (!refusal.includes("Bearer token")) fail(`a refused save shows ${JSON.stringify(refusal)}, not the API's error`);
  await page.fill("#save-form input[name=token]", token);
  await page.click("#save-form button[type=submit]");
  await page.waitForSelector("#save-result.ok");
  const watch = (await get("api/watches")).items.find((w) => w.name === watchName);
  if (!watch || watch.filter !== "type=ASSAULT") fail(`saved search not stored as expected: ${JSON.stringify(watch)}`);
  if (await page.evaluate(() => sessionStorage.getItem("vigie-token")) !== token) fail("the token is not kept in sessionStorage");

  // A matching article arrives through another process while the server runs.
  ingest(writeJsonl("watch.jsonl", [{
    id: "watch-match", source: "Example Wire", title: "Checkpoint attacked outside Kidal", published: "2026-03-12",
    url: "https://example.org/kidal-checkpoint",
    text: "Gunmen attacked a police checkpoint outside Kidal in northern Mali on Wednesday, killing two officers and wounding four "
      + "others before fleeing towards the desert on motorcycles, the regional governor said in a statement.",
  }]));
  const { items: alerts } = await get(`api/watches/${watch.id}/alerts?limit=10`);
  if (alerts.length === 0) fail("the new article raised no alert");
  const alerted = alerts[0].event.id;

  await page.click('header a[href="#/watches"]');
  const card = page.locator(`#detail .watch[data-id="${watch.id}"]`);
  await card.waitFor();
  const listed = await card.innerText();
  const stored = (await get("api/watches")).items.find((w) => w.id === watch.id).alerts;
  for (const fact of [watchName, "type=ASSAULT", `${stored} ${stored === 1 ? "alert" : "alerts"}`, "1 new"]) {
    if (!listed.includes(fact)) fail(`saved search card lacks ${JSON.stringify(fact)}: ${JSON.stringify(listed)}`);
  }
  const fresh = card.locator(".alert.new");
  if (await fresh.count() < 1) fail("no alert is marked new");
  if (await fresh.first().locator(`a[href="#/event/${alerted}"]`).count() !== 1) fail("the new alert does not link to its event");
  const feedHref = await card.locator("a.feed").getAttribute("href");
  const feed = await fetch(new URL(feedHref, base));
  const atom = await feed.text();
  if (!feed.headers.get("content-type")?.includes("atom") || !atom.includes("<feed") || !atom.includes(`#/event/${alerted}`) || !atom.includes("Kidal")) {
    fail(`the Atom feed ${feedHref} does not hold the event: ${atom.slice(0, 200)}`);
  }
  await page.screenshot({ path: `${work}dashboard-watches.png`, fullPage: true });
  await page.reload();
  await card.waitFor();
  if (await card.locator(".alert.new").count() !== 0) fail("alerts seen on the last visit are still marked new");

  // Delete a saved search from the page.
  const other = await fetch(`${base}api/watches`, {
    method: "POST", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ name: "Protests (browser test)", filter: "type=PROTEST" }),
  }).then((r) => r.json());
  await page.reload();
  const doomed = page.locator(`#detail .watch[data-id="${other.id}"]`);
  await doomed.waitFor();
  page.once("dialog", (dialog) => dialog.accept());
  await doomed.locator("button.delete").click();
  await doomed.waitFor({ state: "detached" });
  if ((await get("api/watches")).items.some((w) => w.id === other.id)) fail("the deleted saved search is still stored");

  // French interface.
  await page.goto(base);
  await page.waitForSelector("body[data-loaded=true]");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "fr" && document.querySelector("#filters [data-i18n=country]").textContent === "Pays"
    && document.querySelector('header a[href="#/watches"]').textContent === "Recherches enregistrées");
  await page.screenshot({ path: `${work}dashboard-fr.png` });
  await page.goto(`${base}#/document/${tassId}`);
  await page.waitForSelector(`#trust[data-document="${tassId}"]`);
  if (!(await page.locator("#trust").innerText()).includes("contrôlé par l'État")) fail("the French trust panel does not translate the typology");
  await page.screenshot({ path: `${work}dashboard-trust-fr.png` });
  if (errors.length > 0) fail(`page errors: ${errors.join("; ")}`);
  console.log(`browser test: ok (${allRows} events, ${assaults} ASSAULT, ${points} on the map; trust panels, report cards, saved searches; screenshots in ${work})`);
} finally {
  await browser.close();
  server.kill();
}
