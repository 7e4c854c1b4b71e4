// First-time setup through the options page: refused input in place, each failing connection
// check with its own message, a working connection with keys kept out of the pages, settings.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { pageText, send, until } from "./lib/browser.mjs";
import { extensionOnSandbox } from "./lib/fixture.mjs";
import {
  acceptProposals, byTestId, choicesLoaded, fillConnection, notice, pickByName, pickProduct, saveConnection, saveSettingsForm, testConnection, tickByName,
} from "./lib/flows.mjs";
import { systimProductId } from "./lib/sandbox.mjs";
import { trapServer } from "./lib/servers.mjs";

let env;
let options;
before(async () => {
  env = await extensionOnSandbox({ configured: false });
  options = env.options;
});
after(() => env?.close());

/** The shown checks that did not pass: `{id: text}`. */
const failedChecks = ({ checks }) => Object.fromEntries(checks.filter((c) => c.status === "failed").map((c) => [c.id, c.text]));

/** Types `connection` (the sandbox's, with `changes`), saves it and presses "Sprawdź połączenie". */
async function saveAndTest(changes = {}) {
  await fillConnection(options, { ...env.sandbox.connection(), ...changes });
  const saved = await saveConnection(options);
  assert.equal(saved.kind, "success", saved.text);
  return testConnection(options);
}

const failed = {}; // check id → text, across the three broken setups

test("a fresh install: the options page opens on the first-run guide, its first step the connection", async () => {
  await byTestId(options, "guide-step-connection").waitFor();
  assert.ok(await byTestId(options, "guide").isVisible(), "the guide is shown");
  assert.equal(await byTestId(options, "guide-step-connection").getAttribute("data-done"), "false");
  assert.deepEqual(
    await byTestId(options, "guide-steps").locator("li").evaluateAll((els) => els.map((el) => el.dataset.testid)),
    ["guide-step-connection", "guide-step-start", "guide-step-mappings", "guide-step-preview", "guide-step-auto"],
  );
});

test("a fresh install: the popup asks for setup and offers no run", async () => {
  const popup = await env.browser.open("popup.html", { width: 400, height: 600 });
  await byTestId(popup, "connection-state").filter({ hasText: /\S/ }).waitFor();
  assert.equal(await byTestId(popup, "connection-state").getAttribute("data-state"), "not_configured");
  assert.ok(await byTestId(popup, "open-setup").isVisible(), "the setup button is shown");
  for (const id of ["run-orders", "run-send_stock", "run-send_products", "export-csv"]) {
    assert.ok(await byTestId(popup, id).isDisabled(), `${id} is disabled`);
  }
  await popup.close();
});

test("an empty connection form is refused field by field, in Polish, nothing saved", async () => {
  await byTestId(options, "save-connection").click();
  const message = await notice(options, "connection-message");
  assert.equal(message.kind, "error");
  const errors = await options.locator('[data-error-for]:not(:empty)').evaluateAll((els) =>
    Object.fromEntries(els.map((el) => [el.dataset.errorFor, el.textContent])),
  );
  assert.ok(errors.shopUrl && errors.systimKey, `errors shown under the fields: ${JSON.stringify(errors)}`);
  assert.match(Object.values(errors).join(" "), /[ąćęłńóśźż]|podaj|wpisz|adres|klucz/i, "the messages are Polish");
  assert.equal(await byTestId(options, "shop-url").getAttribute("aria-invalid"), "true");
  assert.equal((await send(options, { type: "getStatus" })).configured, false);
});

test("a wrong shop password fails the credentials check with its own message", async () => {
  const result = await saveAndTest({ shoperPassword: "zle-haslo" });
  const f = failedChecks(result);
  assert.deepEqual(Object.keys(f), ["shop_credentials"], JSON.stringify(f));
  assert.equal(result.summary.kind, "error");
  failed.credentials = f.shop_credentials;
});

test("a missing permission area fails that area's check only", async () => {
  const { shoper } = await env.sandbox.state();
  await env.sandbox.shoperConfig({ user_scopes: shoper.config.user_scopes.filter((s) => s !== "products:edit") });
  try {
    const f = failedChecks(await saveAndTest());
    assert.deepEqual(Object.keys(f), ["shop_scope_products_edit"], JSON.stringify(f));
    failed.scope = f.shop_scope_products_edit;
  } finally {
    await env.sandbox.shoperConfig({ user_scopes: ["*"] });
  }
});

test("a wrong Systim key fails the Systim login check with its own message", async () => {
  const f = failedChecks(await saveAndTest({ systimKey: "zly-klucz-123" }));
  assert.deepEqual(Object.keys(f), ["systim_login"], JSON.stringify(f));
  failed.systim = f.systim_login;
  const texts = Object.values(failed);
  assert.equal(new Set(texts).size, 3, `three different messages: ${JSON.stringify(failed)}`);
});

test("the right connection passes every check; keys stay masked and out of the pages", async () => {
  const result = await saveAndTest();
  assert.deepEqual(failedChecks(result), {});
  assert.equal(result.summary.kind, "success", result.summary.text);
  assert.ok(result.checks.length >= 10, "each check of the engine is listed");

  await options.reload();
  await byTestId(options, "f-orders-enabled").waitFor();
  const secrets = env.sandbox.secrets();
  const key = byTestId(options, "systim-key");
  assert.equal(await key.inputValue(), "", "the key field is empty after a reload");
  assert.match(await key.getAttribute("placeholder"), /•+/, "its placeholder shows the masked key");
  assert.equal(await byTestId(options, "shop-url").inputValue(), env.sandbox.info.shoper);
  const popup = await env.browser.open("popup.html", { width: 400, height: 600 });
  await byTestId(popup, "shop-url-summary").waitFor();
  for (const page of [options, popup]) {
    const text = await pageText(page);
    for (const secret of secrets) assert.ok(!text.includes(secret), `a key is in ${page.url()}`);
  }
  await popup.close();

  await byTestId(options, "reveal-keys").click(); // "Pokaż klucze": only on the merchant's click
  await until(async () => (await key.inputValue()) === env.sandbox.info.systim_key, { what: "the key shown" });
  await byTestId(options, "reveal-keys").click();
  assert.equal(await key.inputValue(), "");
});

test("masks: the password shows none of its characters, the Systim key at most its last four", async () => {
  await options.reload();
  await byTestId(options, "f-orders-enabled").waitFor();
  const { shoper_password: password, systim_key: key } = env.sandbox.info;
  const passwordHint = await byTestId(options, "shoper-password").getAttribute("placeholder");
  assert.match(passwordHint, /••••••••/);
  assert.ok(!passwordHint.includes(password.slice(-2)), `the password's placeholder shows part of it: ${passwordHint}`);
  const keyHint = await byTestId(options, "systim-key").getAttribute("placeholder");
  assert.ok(!keyHint.includes(key.slice(0, -4)), "at most the key's last four characters");
  const view = (await send(options, { type: "getConnection" })).connection;
  assert.equal(view.shoperPassword, "••••••••");
});

test("a mistyped shop address or another Systim account is refused in place, before any key leaves the browser", async () => {
  const trap = await trapServer(); // loopback: this dev build could reach it
  try {
    await options.reload();
    await byTestId(options, "f-orders-enabled").waitFor();
    const stored = (await send(options, { type: "getConnection" })).connection;
    // a typo in the shop address, the key fields left as they are
    await byTestId(options, "shop-url").fill(trap.url);
    assert.equal(await byTestId(options, "shoper-password").getAttribute("data-rebind"), "true");
    assert.match(await byTestId(options, "shoper-password").getAttribute("placeholder"), /nowy adres/);
    assert.equal(await byTestId(options, "systim-key").getAttribute("data-rebind"), "false", "Systim is unchanged: its key stays");
    const saved = await saveConnection(options);
    assert.equal(saved.kind, "error", saved.text);
    const passwordError = await options.locator('[data-error-for="shoperPassword"]').textContent();
    assert.match(passwordError, /wpisz hasło/, passwordError);
    const tested = await testConnection(options);
    assert.deepEqual(tested.checks.map((c) => [c.id, c.status]), [["field_shoperPassword", "failed"]], JSON.stringify(tested.checks));
    // Systim at another host than <account>.systim.pl
    await byTestId(options, "shop-url").fill(stored.shopUrl);
    await byTestId(options, "systim-account").fill("https://systim.example.com");
    assert.equal((await saveConnection(options)).kind, "error");
    const systimError = await options.locator('[data-error-for="systimAccount"]').textContent();
    assert.match(systimError, /https:\/\/<nazwa konta>\.systim\.pl/, systimError);
    // another Systim account: its key must be typed again (Save only: a click on "Sprawdź
    // połączenie" would ask for access to konkurencja.systim.pl, a prompt headless Chromium never
    // answers; the check's own refusal goes through the protocol)
    await byTestId(options, "systim-account").fill("konkurencja");
    assert.equal(await byTestId(options, "systim-key").getAttribute("data-rebind"), "true");
    assert.equal((await saveConnection(options)).kind, "error");
    assert.match(await options.locator('[data-error-for="systimKey"]').textContent(), /Konto Systim jest inne/);
    const other = await send(options, { type: "testConnection", connection: { ...stored, systimAccount: "konkurencja" } });
    assert.deepEqual(other.checks.map((c) => [c.id, c.status]), [["field_systimKey", "failed"]]);
    assert.deepEqual(trap.requests, [], "nothing reached the mistyped address");
    assert.deepEqual((await send(options, { type: "getConnection" })).connection, stored, "the stored connection is unchanged");
  } finally {
    await trap.close();
    await options.reload();
  }
});

test("settings: a wrong value is refused in place, the stored settings stay", async () => {
  const stored = (await send(options, { type: "getSettings" })).settings;
  const refused = await saveSettingsForm(options, { "f-interval_minutes": "0" });
  assert.equal(refused.kind, "error");
  const fieldError = await byTestId(options, "f-interval_minutes-error").textContent();
  assert.match(fieldError, /1.*1440/, `the interval's own message: ${fieldError}`);
  assert.deepEqual((await send(options, { type: "getSettings" })).settings, stored, "nothing saved");

  const saved = await saveSettingsForm(options, {
    "f-interval_minutes": "5",
    "f-orders-start-date": { radio: true },
    "f-orders-start-date-value": "2026-11-01",
  });
  assert.equal(saved.kind, "success", saved.text);
  const now = (await send(options, { type: "getSettings" })).settings;
  assert.equal(now.interval_minutes, 5);
  assert.deepEqual(now.orders.start, { kind: "date", value: "2026-11-01" });
});

test("settings by name: every id chosen from the shop's and Systim's lists, none typed", async () => {
  await options.reload();
  await choicesLoaded(options);
  const state = await env.sandbox.state();
  const category = state.shoper.categories[0];
  const categoryName = Object.values(category.translations)[0].name;
  // the guide counts what a start point would import (a preview: nothing is sent)
  await byTestId(options, "f-orders-start-date").check();
  await byTestId(options, "f-orders-start-date-value").fill("2026-11-01");
  await byTestId(options, "f-orders-statuses-only").check();
  await tickByName(options, "f-orders-statuses-only-value", ["złożone (nowe)", "przyjęte do realizacji (otwarte)"]);
  // an account that lists no forms of payment or deliveries (the strict profile): Systim's
  // standard forms of payment by name, the delivery a typed id
  assert.match(await byTestId(options, "f-orders-default_payment_id-note").textContent(), /standardowe formy płatności/);
  assert.ok(await byTestId(options, "f-orders-default_delivery_id-typed").isVisible(), "no list of deliveries: a typed id");
  // an account that lists them: "Odśwież listy" asks again, and they come by name
  await env.sandbox.systimConfig({ profile: "generous" });
  await byTestId(options, "refresh-choices").click();
  assert.equal((await notice(options, "choices-message")).kind, "success");
  await pickByName(options, "f-orders-default_payment_id", "przelew");
  await pickByName(options, "f-orders-default_delivery_id", "Przesyłka kurierska");
  const deliveries = await acceptProposals(options, "f-orders-delivery_mapping", ["Paczkomat", "Odbiór osobisty"]);
  assert.deepEqual(deliveries, ["Paczkomat InPost 24/7 → Paczkomat InPost", "Odbiór osobisty w sklepie → Odbiór osobisty"]);
  await pickProduct(options, "f-orders-shipping_product_id", "DOSTAWA");
  await pickByName(options, "f-products-name_locale", "pl_PL");
  await pickByName(options, "f-products-default_category_id", categoryName);
  await byTestId(options, "f-stock-require_same_category").setChecked(false);
  // proposals by name, each accepted by the merchant (none applied unseen)
  const accepted = await acceptProposals(options, "f-orders-payment_mapping", ["Przelew tradycyjny", "pobranie"]);
  assert.deepEqual(accepted, ["Przelew tradycyjny → przelew", "Płatność przy odbiorze (pobranie) → za pobraniem"]);
  // no id was typed: every field used shows its list, not the typed fallback
  const typedShown = await options.locator('#settings-form [data-testid$="-typed"]:visible').evaluateAll((els) => els.map((el) => el.dataset.testid));
  const used = ["default_payment_id", "default_delivery_id", "shipping_product_id", "name_locale", "default_category_id", "payment_mapping", "delivery_mapping", "statuses"];
  assert.deepEqual(typedShown.filter((id) => used.some((u) => id.includes(u))), [], `typed fields shown: ${typedShown}`);

  await byTestId(options, "save-settings").click();
  const saved = await notice(options, "settings-message");
  assert.equal(saved.kind, "success", saved.text);
  const s = (await send(options, { type: "getSettings" })).settings;
  // the sandbox seeds statuses and payments in table order, ids from 1 (tests/sandbox/src/shoper/seed.rs)
  const statusId = { "złożone": 1, "przyjęte do realizacji": 2 };
  const paymentId = { "Przelew tradycyjny": 1, "Płatność przy odbiorze (pobranie)": 2 };
  assert.deepEqual(s.orders.statuses, { mode: "only", ids: [statusId["złożone"], statusId["przyjęte do realizacji"]] });
  // the account's lists (tests/sandbox/src/systim/seed.rs): payments and deliveries numbered from 1 in order
  assert.equal(s.orders.default_payment_id, 1, "przelew");
  assert.equal(s.orders.default_delivery_id, 1, "Przesyłka kurierska");
  assert.deepEqual(s.orders.delivery_mapping, [
    { shop_id: 2, systim_id: 3 }, // Paczkomat InPost 24/7 → Paczkomat InPost
    { shop_id: 4, systim_id: 2 }, // Odbiór osobisty w sklepie → Odbiór osobisty
  ]);
  assert.equal(s.orders.shipping_product_id, systimProductId(state, "DOSTAWA"));
  assert.equal(s.products.name_locale, "pl_PL");
  assert.equal(s.products.default_category_id, Number(category.category_id));
  assert.deepEqual(s.orders.payment_mapping, [
    { shop_id: paymentId["Przelew tradycyjny"], systim_id: 1 },
    { shop_id: paymentId["Płatność przy odbiorze (pobranie)"], systim_id: 4 },
  ]);

  // the guide: the start point set, the preview counts the orders it would import
  await options.reload();
  await choicesLoaded(options);
  await byTestId(options, "guide-step-start").waitFor();
  assert.equal(await byTestId(options, "guide-step-start").getAttribute("data-done"), "true");
  assert.equal(await byTestId(options, "guide-step-mappings").getAttribute("data-done"), "true");
  await byTestId(options, "guide-count-button").click();
  await until(async () => /\d+/.test((await byTestId(options, "guide-count").textContent()) ?? "") && !/Liczenie|Counting/.test(await byTestId(options, "guide-count").textContent()), {
    timeout: 90_000,
    what: "the preview's count",
  });
  const count = await byTestId(options, "guide-count").textContent();
  const report = (await send(options, { type: "getReport" })).report;
  const section = report.sections.find((x) => x.kind === "orders");
  const orders = section.counts;
  const reasons = [...section.problems, ...section.notes].map((g) => `${g.reason}: ${g.items.length}`);
  assert.ok(report.dryRun, "a preview");
  assert.ok(count.includes(String(orders.done)) && orders.done > 0, `${count} vs ${JSON.stringify(orders)} ${reasons}`);
});

test("a stored id whose entry is gone shows as 'nieznany (id N)', flagged, and is kept", async () => {
  const { settings } = await send(options, { type: "getSettings" });
  settings.products.default_category_id = 987654;
  assert.ok((await send(options, { type: "saveSettings", settings })).ok);
  await options.reload();
  await choicesLoaded(options);
  const select = byTestId(options, "f-products-default_category_id");
  assert.equal(await select.locator("option:checked").textContent(), "nieznany (id 987654)");
  assert.equal(await byTestId(options, "f-products-default_category_id-note").getAttribute("data-unknown"), "true");
  assert.match(await byTestId(options, "f-products-default_category_id-note").textContent(), /987654/);
  // "Odśwież listy" reads the lists again; saving without touching it keeps the id
  await byTestId(options, "refresh-choices").click();
  assert.equal((await notice(options, "choices-message")).kind, "success");
  const saved = await saveSettingsForm(options, {});
  assert.equal(saved.kind, "success", saved.text);
  assert.equal((await send(options, { type: "getSettings" })).settings.products.default_category_id, 987654, "never silently dropped");
});

test("the guide can be skipped and stays hidden", async () => {
  await byTestId(options, "guide-skip").click();
  assert.ok(!(await byTestId(options, "guide").isVisible()));
  await options.reload();
  await choicesLoaded(options);
  assert.ok(!(await byTestId(options, "guide").isVisible()), "skipped for good");
});
