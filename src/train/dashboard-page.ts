/**
 * The one page of the dashboard and the report: a table of the runs (graph, iteration, speed,
 * ETA, best validation, recipe, backend, command), loss and PSNR/SSIM curves drawn by uPlot (from
 * node_modules: no CDN), the latest validation crops with a bicubic / SR / HR slider, and in the
 * report a crop gallery. Live, the page loads uPlot and its script from the server; the report
 * carries them inline with its data, so it opens from disk with no network.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** uPlot's browser build and stylesheet, and the page script, as text. */
export function pageAssets(): { readonly uplotJs: string; readonly uplotCss: string; readonly clientJs: string } {
  const uplot = dirname(createRequire(import.meta.url).resolve("uplot"));
  return {
    uplotJs: readFileSync(join(uplot, "uPlot.iife.min.js"), "utf8"),
    uplotCss: readFileSync(join(uplot, "uPlot.min.css"), "utf8"),
    clientJs: readFileSync(join(dirname(fileURLToPath(import.meta.url)), "dashboard-client.mjs"), "utf8"),
  };
}

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #222; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 20px 0 8px; } h3 { font-size: 14px; margin: 12px 0 4px; }
#updated { color: #777; font-size: 12px; }
table { border-collapse: collapse; font-size: 13px; }
th, td { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: left; vertical-align: top; }
td.command { font-family: ui-monospace, monospace; font-size: 12px; max-width: 420px; word-break: break-all; }
#charts { display: flex; flex-wrap: wrap; gap: 12px; }
.chart { border: 1px solid #eee; padding: 4px; }
#crops, #gallery { display: flex; flex-wrap: wrap; gap: 12px; }
#gallery h3 { flex-basis: 100%; }
figure { margin: 0; } figcaption { font-size: 12px; color: #555; }
img.crop { width: 192px; height: auto; image-rendering: pixelated; border: 1px solid #ccc; }
img.strip { width: 576px; max-width: 100%; height: auto; image-rendering: pixelated; border: 1px solid #ccc; }
.controls { display: flex; gap: 16px; align-items: center; margin-bottom: 8px; }
.slider-labels { display: flex; justify-content: space-between; width: 180px; font-size: 12px; color: #555; }
`;

/** `<` in inline script text, escaped where it could close the element. */
const inlineScript = (js: string) => js.replace(/<\/(script)/gi, "<\\/$1").replace(/<!--/g, "<\\!--");

/**
 * The page's HTML. Live (`report` undefined): it loads `uplot.css`, `uplot.js` and `client.js`
 * next to it and follows `events`. Report: `report` (JSON-able) is inlined as `window.PCL_REPORT`,
 * with uPlot and the script.
 */
export function dashboardHtml(title: string, report?: unknown): string {
  const assets = report === undefined ? null : pageAssets();
  const head = assets
    ? `<style>${assets.uplotCss}</style>`
    : `<link rel="stylesheet" href="uplot.css">`;
  const scripts = assets
    ? `<script>window.PCL_REPORT = ${inlineScript(JSON.stringify(report))};</script>\n<script>${inlineScript(assets.uplotJs)}</script>\n<script>${inlineScript(assets.clientJs)}</script>`
    : `<script src="uplot.js"></script>\n<script src="client.js"></script>`;
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" })[c]!);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)}</title>
${head}
<style>${STYLE}</style>
</head>
<body>
<h1>${escape(title)}</h1>
<div id="updated"></div>
<h2>Runs</h2>
<div id="table"></div>
<h2>Curves</h2>
<div id="charts"></div>
<h2>Latest validation crops</h2>
<div class="controls">
  <label>run <select id="crop-run"></select></label>
  <div><input id="crop-kind" type="range" min="0" max="2" step="1" value="1" aria-label="bicubic, SR or HR" style="width: 180px">
  <div class="slider-labels"><span>bicubic</span><span>SR</span><span>HR</span></div></div>
  <span id="crop-label"></span>
</div>
<div id="crops"></div>
${report === undefined ? "" : `<h2>Crop gallery</h2>\n<div id="gallery"></div>`}
${scripts}
</body>
</html>
`;
}
