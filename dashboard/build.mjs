// Builds the dashboard into crates/vigie-server/assets (embedded in the `vigie` binary):
// app.js bundled by esbuild from src/ and its npm dependencies, the page and style copied,
// and the Natural Earth 1:110m countries from world-atlas. Works offline after `npm ci`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";

const out = new URL("../crates/vigie-server/assets/", import.meta.url);
mkdirSync(out, { recursive: true });
await build({
  entryPoints: ["src/app.js"],
  bundle: true,
  format: "esm",
  minify: true,
  legalComments: "eof",
  target: "es2020",
  outfile: new URL("app.js", out).pathname,
  logLevel: "warning",
});
copyFileSync("src/index.html", new URL("index.html", out));
copyFileSync("src/style.css", new URL("style.css", out));
copyFileSync("node_modules/world-atlas/countries-110m.json", new URL("world.json", out));
console.log(`dashboard built into ${out.pathname}`);
