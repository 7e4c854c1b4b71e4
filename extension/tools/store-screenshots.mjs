// The store listing's images (docs/store/), made by the demo flow on the built-in sandbox:
//
//   node extension/tools/store-screenshots.mjs [--out docs/store] [--lang pl,en]
//
// (`./build.sh package --screenshots` builds the wasm and the sandbox first.) For each language:
// the options page set up like a merchant would (connection typed in, saved and checked, the demo
// settings), a product preview and "Wyślij stany" (orders, then stock) from the popup, then
//
//   screenshots/<lang>/1-popup.png     the popup after the runs, on a 1280×800 canvas with a caption
//   screenshots/<lang>/2-report.png    the options page's report of the last run, "Wyślij stany" (1280×800)
//   screenshots/<lang>/3-options.png   the options page: connection checked, settings below (1280×800)
//   screenshots/<lang>/4-admin.png     the shop's admin panel: the order list with the badges (1280×800)
//   tile-440x280-<lang>.png            the small promo tile
//
// The sandbox's loopback addresses are shown as example addresses (https://twoj-sklep.pl, …) in the
// pages photographed — cosmetics only; everything else is what the extension shows. Re-runnable: a
// new run replaces the files (the sandbox is fresh each time, its clock the demo's).
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { launchBrowser } from "../../tests/e2e/lib/browser.mjs";
import * as flow from "../../tests/e2e/lib/flows.mjs";
import { startSandbox } from "../../tests/e2e/lib/sandbox.mjs";
import { renderIcon } from "./icons.mjs";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { values: args } = parseArgs({
  options: {
    out: { type: "string", default: path.join(REPO, "docs", "store") },
    lang: { type: "string", default: "pl,en" },
  },
});

const SCREEN = { width: 1280, height: 800 };
const TILE = { width: 440, height: 280 };
const POPUP = { width: 400, height: 600 };
const EXAMPLE_SHOP = "https://twoj-sklep.pl";
const EXAMPLE_SYSTIM = "https://twoja-firma.systim.pl";

const TEXT = {
  pl: {
    popupTitle: "Zamówienia, stany i produkty jednym kliknięciem",
    popupBody: "Podgląd pokazuje, co się zmieni, zanim cokolwiek zostanie zapisane. Raport mówi, co zrobiono i dlaczego coś pominięto.",
    tileTitle: "Shoper ⇄ Systim",
    tileBody: "Zamówienia do Systim, stany do sklepu — bez serwera, z Twojej przeglądarki",
  },
  en: {
    popupTitle: "Orders, stock and products in one click",
    popupBody: "The preview shows what would change before anything is written. The report says what was done and why anything was skipped.",
    tileTitle: "Shoper ⇄ Systim",
    tileBody: "Orders into Systim, stock into the shop — no server, from your own browser",
  },
};

const say = (text) => console.log(`==> ${text}`);

/** PNG width and height (IHDR). */
function pngSize(file) {
  const b = fs.readFileSync(file);
  return { width: b.readUInt32BE(16), height: b.readUInt32BE(20) };
}

function expectSize(file, { width, height }) {
  const s = pngSize(file);
  if (s.width !== width || s.height !== height) throw new Error(`${file} is ${s.width}×${s.height}, not ${width}×${height}`);
}

/** The sandbox's addresses in a page's texts and fields become the example addresses. */
async function exampleAddresses(page, sandbox) {
  const swaps = [
    [sandbox.info.shoper, EXAMPLE_SHOP],
    [sandbox.info.systim, EXAMPLE_SYSTIM],
    [new URL(sandbox.info.shoper).host, new URL(EXAMPLE_SHOP).host],
    [new URL(sandbox.info.systim).host, new URL(EXAMPLE_SYSTIM).host],
  ];
  await page.evaluate((pairs) => {
    const swap = (s) => pairs.reduce((t, [from, to]) => t.split(from).join(to), s);
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) n.nodeValue = swap(n.nodeValue);
    for (const el of document.querySelectorAll("input")) el.value = swap(el.value);
  }, swaps);
}

/** A page of our own (a caption frame, the tile) rendered at `size`. */
async function renderHtml(context, html, size, file) {
  const page = await context.newPage();
  await page.setViewportSize(size);
  await page.setContent(html, { waitUntil: "load" });
  await page.screenshot({ path: file });
  await page.close();
  expectSize(file, size);
}

const dataUrl = (png) => `data:image/png;base64,${Buffer.from(png).toString("base64")}`;
const FONT = `font-family: 'DejaVu Sans', 'Noto Sans', system-ui, sans-serif;`;

/** No scroll bars in a picture (they are the browser's, not the extension's). */
const noScrollbars = (page) => page.addStyleTag({ content: "html, body { scrollbar-width: none; } ::-webkit-scrollbar { display: none; }" });

function popupFrame(popupPng, t) {
  return `<!doctype html><html><body style="margin:0;width:1280px;height:800px;${FONT}background:linear-gradient(135deg,#f0fdfa,#e2e8f0);display:flex;align-items:center;justify-content:center;gap:72px">
    <img src="${dataUrl(popupPng)}" width="${POPUP.width}" height="${POPUP.height}" style="border-radius:10px;box-shadow:0 18px 50px rgba(15,23,42,.28);background:#fff">
    <div style="width:560px;color:#0f172a">
      <div style="display:flex;align-items:center;gap:16px;margin-bottom:28px"><img src="${dataUrl(renderIcon(64))}" width="64" height="64"><span style="font-size:30px;font-weight:700">Shoper ⇄ Systim</span></div>
      <div style="font-size:40px;font-weight:700;line-height:1.2;margin-bottom:24px">${t.popupTitle}</div>
      <div style="font-size:22px;line-height:1.5;color:#334155">${t.popupBody}</div>
    </div></body></html>`;
}

function tile(t) {
  return `<!doctype html><html><body style="margin:0;width:440px;height:280px;${FONT}background:#0f766e;color:#fff;display:flex;flex-direction:column;align-items:center;justify-content:center;text-align:center">
    <img src="${dataUrl(renderIcon(96))}" width="96" height="96" style="filter:drop-shadow(0 4px 10px rgba(0,0,0,.25));border-radius:22px;outline:2px solid rgba(255,255,255,.5)">
    <div style="font-size:32px;font-weight:700;margin:16px 0 8px">${t.tileTitle}</div>
    <div style="font-size:15px;line-height:1.4;max-width:380px;opacity:.95">${t.tileBody}</div></body></html>`;
}

async function shootLanguage(lang) {
  const t = TEXT[lang];
  const dir = path.join(args.out, "screenshots", lang);
  fs.mkdirSync(dir, { recursive: true });
  const sandbox = await startSandbox({ scenario: "demo" });
  const browser = await launchBrowser({ lang });
  try {
    say(`${lang}: the options page — connection, check, the demo settings`);
    const options = await browser.open("options.html", SCREEN);
    const tested = await flow.setUpConnection(options, sandbox.connection());
    if (!tested.checks.length || tested.checks.some((c) => c.status !== "ok")) throw new Error(`connection checks: ${JSON.stringify(tested.checks)}`);
    await flow.demoSettingsByName(options); // chosen by name in the pick lists, as a merchant would
    const saved = await flow.clickSaveSettings(options);
    if (saved.kind !== "success") throw new Error(`settings: ${saved.text}`);

    say(`${lang}: the popup — a product preview, then "Wyślij stany"`);
    const popup = await browser.open("popup.html", POPUP);
    // A product preview, then "Wyślij stany" (orders imported first): its report is the last one.
    await flow.runFromPopup(popup, "send_products", { preview: true });
    await flow.runFromPopup(popup, "send_stock", { preview: false });
    await popup.evaluate(() => window.scrollTo(0, 0));
    await exampleAddresses(popup, sandbox);
    await noScrollbars(popup);
    const popupPng = await popup.screenshot();
    await renderHtml(browser.context, popupFrame(popupPng, t), SCREEN, path.join(dir, "1-popup.png"));

    say(`${lang}: the report and the options page`);
    await options.goto(browser.url("options.html#report"));
    await options.locator('[data-testid="report-view"]').first().waitFor();
    await options.evaluate(() => document.getElementById("report")?.scrollIntoView({ block: "start" }));
    await exampleAddresses(options, sandbox);
    await noScrollbars(options);
    await options.screenshot({ path: path.join(dir, "2-report.png") });
    await options.goto(browser.url("options.html"));
    await options.locator('[data-testid="f-orders-enabled"]').waitFor();
    await flow.testConnection(options);
    await options.evaluate(() => window.scrollTo(0, 0));
    await exampleAddresses(options, sandbox);
    await noScrollbars(options);
    await options.screenshot({ path: path.join(dir, "3-options.png") });

    say(`${lang}: the admin panel's order list`);
    const admin = await browser.context.newPage();
    await admin.setViewportSize(SCREEN);
    await admin.goto(`${sandbox.info.shoper}/admin/orders`);
    await flow.orderBadges(admin);
    await exampleAddresses(admin, sandbox);
    await noScrollbars(admin);
    await admin.screenshot({ path: path.join(dir, "4-admin.png") });

    await renderHtml(browser.context, tile(t), TILE, path.join(args.out, `tile-440x280-${lang}.png`));
    for (const f of ["2-report.png", "3-options.png", "4-admin.png"]) expectSize(path.join(dir, f), SCREEN);
  } finally {
    await browser.close();
    await sandbox.stop();
  }
}

for (const lang of args.lang.split(",")) {
  if (!TEXT[lang]) throw new Error(`no captions for ${lang}`);
  await shootLanguage(lang);
}
say(`written under ${path.relative(process.cwd(), args.out) || "."}`);
