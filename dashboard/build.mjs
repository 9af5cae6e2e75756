// Builds the dashboard into crates/vigie-server/assets (embedded in the `vigie` binary):
// app.js bundled by esbuild from src/ and its npm dependencies, the page and style copied,
// and the Natural Earth 1:110m countries from world-atlas. Works offline after `npm ci`.
import { build } from "esbuild";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";

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

// The notices of what the bundle and the atlas contain.
const bundled = ["d3-geo", "d3-array", "internmap", "topojson-client", "world-atlas"];
const notices = bundled.map((name) => {
  const { version } = JSON.parse(readFileSync(`node_modules/${name}/package.json`, "utf8"));
  return `${name} ${version}\n\n${readFileSync(`node_modules/${name}/LICENSE`, "utf8").trim()}\n`;
});
writeFileSync(
  new URL("licenses.txt", out),
  "Third-party software and data in the Vigie dashboard (world.json: Natural Earth, public domain, via world-atlas).\n\n" +
    notices.join("\n----------------------------------------\n\n"),
);
console.log(`dashboard built into ${out.pathname}`);
