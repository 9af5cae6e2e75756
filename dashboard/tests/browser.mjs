// Browser test of the dashboard in headless Chromium (Debian's /usr/bin/chromium, driven
// by playwright-core): ingests the bundled examples into a fresh store, starts
// `vigie serve`, loads the dashboard, filters by type, clicks an event, and checks that its
// evidence is highlighted in the article view. Keeps a screenshot as an artifact.
//
// Usage: node tests/browser.mjs [path/to/vigie]   (default: ../target/release/vigie)

import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { chromium } from "playwright-core";

const repo = new URL("../../", import.meta.url).pathname;
const vigie = process.argv[2] || `${repo}target/release/vigie`;
const work = `${repo}target/browser-test/`;
const chromiumPath = process.env.CHROMIUM || "/usr/bin/chromium";

function fail(message) {
  console.error(`browser test: FAILED: ${message}`);
  process.exitCode = 1;
  throw new Error(message);
}

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
execFileSync(vigie, ["ingest", `${repo}examples`, "--db", `${work}vigie.db`, "--quiet"], { stdio: "inherit" });
// A record whose URL is a script: it must never become a link.
writeFileSync(`${work}hostile.jsonl`, JSON.stringify({
  id: "hostile-url", url: "javascript:alert(document.domain)", title: "Lien piégé", published: "2026-03-03",
  text: "Des hommes armés ont attaqué mardi un poste de l'armée malienne à Gao, selon une source sécuritaire. Dépêche 4242.",
}) + "\n");
execFileSync(vigie, ["ingest", `${work}hostile.jsonl`, "--db", `${work}vigie.db`, "--quiet"], { stdio: "inherit" });

const server = spawn(vigie, ["serve", "--db", `${work}vigie.db`, "--addr", "127.0.0.1:0"], { stdio: ["ignore", "pipe", "inherit"] });
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
  const event = await (await fetch(`${base}api/events/${evidence}`)).json();
  const expected = event.reports[0].evidence;
  if (!highlighted.trim() || !expected.includes(highlighted.trim().slice(0, 20))) {
    fail(`highlighted evidence ${JSON.stringify(highlighted.slice(0, 80))} is not the event's ${JSON.stringify(expected.slice(0, 80))}`);
  }
  const triggers = await page.locator("#article .trigger").count();
  const places = await page.locator("#article .place").count();
  if (triggers === 0 || places === 0) fail(`article view lacks annotations (triggers ${triggers}, places ${places})`);
  await page.screenshot({ path: `${work}dashboard-event.png`, fullPage: true });

  // A javascript: URL is shown as text, not as a link.
  const hits = await (await fetch(`${base}api/search?q=4242`)).json();
  if (hits.items.length !== 1) fail(`search for the hostile record found ${hits.items.length} documents`);
  await page.goto(`${base}#/document/${hits.items[0].id}`);
  await page.waitForSelector("#article");
  const scriptLinks = await page.locator('a[href^="javascript:" i]').count();
  const shown = await page.locator("#detail").textContent();
  if (scriptLinks > 0) fail("a javascript: URL became a link");
  if (!shown.includes("javascript:alert")) fail("the document's URL is not shown as text");

  // French interface.
  await page.goto(base);
  await page.waitForSelector("body[data-loaded=true]");
  await page.click("#lang");
  await page.waitForFunction(() => document.documentElement.lang === "fr" && document.querySelector("#filters [data-i18n=country]").textContent === "Pays");
  await page.screenshot({ path: `${work}dashboard-fr.png` });
  if (errors.length > 0) fail(`page errors: ${errors.join("; ")}`);
  console.log(`browser test: ok (${allRows} events, ${assaults} ASSAULT, ${points} on the map; screenshots in ${work})`);
} finally {
  await browser.close();
  server.kill();
}
