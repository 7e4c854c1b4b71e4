// The options page: the connection (shop, Shoper access, Systim account and key) with the
// connection test, the shop's admin panel (its other addresses, what the extension proposes, the
// panel pages it did not recognise), every setting of the core (src/settings.rs, built from SETTINGS_FORM below),
// and the report with the history. It validates nothing itself beyond "is this a number": the
// core answers `invalid_fields` and the page shows each message next to its field, keeping
// whatever the merchant typed.
import {
  t, h, pick, send, errorOf, localize, say, watchStatus, showProgress, reportPanel,
  renderConnectionSummary, exportCsv, plural, formatWhen, downloadFile,
} from "./ui.js";
import { DEV_HOSTS } from "./build_flags.js";
import initCore, { address_origins } from "./pkg/shoper_systim.js";

const Ext = globalThis.ExtApi;
const $ = (id) => document.getElementById(id);

localize();

/**
 * The core's address rules, in this page (the same wasm as the background's): what the Save and
 * Check clicks ask host access for must be known in the click itself, before any message. The
 * two buttons wait for them.
 */
let addressesOf = null; // ({shopUrl, systimAccount}) → {shop, systim, patterns}
const rulesReady = initCore()
  .then(() => {
    addressesOf = ({ shopUrl, systimAccount }) => address_origins(shopUrl ?? "", systimAccount ?? "", DEV_HOSTS === true);
    for (const id of ["save-connection", "test-connection"]) $(id).disabled = false;
  })
  .catch(() => say($("connection-message"), t("err_internal"), "error"));

// === connection ================================================================================

const SECRET_FIELDS = ["shoperPassword", "shoperToken", "systimKey"];
const connectionForm = $("connection-form");
const input = (field) => connectionForm.querySelector(`[data-field="${field}"]`);

let storedMasks = {}; // secret field → its masked form (`••••••3f2a`), which keeps the stored key
let storedAddresses = { shopUrl: "", systimAccount: "" }; // as saved: a key belongs to its address
/** Which address each secret belongs to: a new address needs the key typed again. */
const SECRET_ADDRESS = { shoperPassword: "shopUrl", shoperToken: "shopUrl", systimKey: "systimAccount" };
let revealed = null; // secret field → clear value, while "Pokaż klucze" is on
let neededOrigins = []; // what the core asked us to request, for the "grant access" button

function authMode() {
  return connectionForm.querySelector('input[name="shoperAuth"]:checked')?.value ?? "user";
}

function showAuthGroups() {
  for (const group of connectionForm.querySelectorAll(".auth-group")) group.hidden = group.dataset.auth !== authMode();
}

/** Puts a `ConnectionView` into the form; secret fields show their mask as a placeholder only. */
function fillConnection(connection) {
  for (const el of connectionForm.querySelectorAll("[data-field]")) {
    const field = el.dataset.field;
    if (SECRET_FIELDS.includes(field)) continue;
    el.value = connection[field] ?? "";
  }
  const mode = connection.shoperAuth === "token" ? "token" : "user";
  connectionForm.querySelector(`input[name="shoperAuth"][value="${mode}"]`).checked = true;
  showAuthGroups();
  storedMasks = Object.fromEntries(SECRET_FIELDS.map((f) => [f, connection[f] ?? ""]));
  storedAddresses = { shopUrl: connection.shopUrl ?? "", systimAccount: connection.systimAccount ?? "" };
  for (const field of SECRET_FIELDS) if (!revealed) input(field).value = "";
  showKeyPlaceholders();
  $("integrated").replaceChildren(renderConnectionSummary(connection));
}

/** Whether the form's address (`shopUrl`, `systimAccount`) is the saved one, as the core reads both. */
function sameAddress(field) {
  const typed = input(field).value;
  const saved = storedAddresses[field];
  if (!addressesOf) return typed.trim() === saved.trim();
  const key = field === "shopUrl" ? "shop" : "systim";
  const [a, b] = [addressesOf({ [field]: typed })[key], addressesOf({ [field]: saved })[key]];
  return a ? a === b : typed.trim() === saved.trim();
}

/** The saved key's mask while its address is unchanged; nothing for a new address. */
function maskFor(field) {
  return sameAddress(SECRET_ADDRESS[field]) ? storedMasks[field] ?? "" : "";
}

/**
 * Each secret field says whether a key is saved for it — or, after its address was changed, that
 * the key must be typed again: a saved key never goes to a new address.
 */
function showKeyPlaceholders() {
  for (const field of SECRET_FIELDS) {
    const el = input(field);
    const stored = storedMasks[field];
    const rebind = Boolean(stored) && !maskFor(field);
    el.placeholder = rebind ? t("key_retype_placeholder") : stored ? t("key_stored_placeholder", stored) : "";
    el.dataset.rebind = String(rebind);
  }
}

/**
 * The form as `saveConnection` wants it; an untouched secret field sends its mask back. Values are
 * trimmed (pasted keys often carry a space or a line break), except the password, taken as typed.
 */
function readConnection() {
  const connection = { shoperAuth: authMode() };
  for (const el of connectionForm.querySelectorAll("[data-field]")) {
    const field = el.dataset.field;
    const value = field === "shoperPassword" ? el.value : el.value.trim();
    // an untouched key goes back as its mask; the core keeps the stored key only for its own
    // address, and for a new one says in place that it must be typed again
    connection[field] = SECRET_FIELDS.includes(field) && value === "" ? storedMasks[field] ?? "" : value;
  }
  return connection;
}

/**
 * The host access the form's addresses need, by the core's rules (an address the core refuses
 * asks for nothing), so that the click handler can ask at once (no await may come before
 * `permissions.request`).
 */
function originsFromForm() {
  return addressesOf?.({ shopUrl: input("shopUrl").value, systimAccount: input("systimAccount").value }).patterns ?? [];
}

/** Must be the first statement of a click handler: Firefox refuses it after any await. */
function requestHostAccess(origins) {
  try {
    return Ext.permissionsRequest(origins).catch(() => false);
  } catch {
    return Promise.resolve(false);
  }
}

function clearFieldErrors(root) {
  for (const el of root.querySelectorAll(".field-error")) el.textContent = "";
  for (const el of root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
}

/**
 * `invalid_fields` of saveConnection: each message under its field (the values stay as typed).
 * Gives back the messages that have no field on the page.
 */
function showConnectionErrors(fields) {
  let first = null;
  const unplaced = [];
  for (const f of fields ?? []) {
    const slot = connectionForm.querySelector(`[data-error-for="${f.field}"]`);
    const el = input(f.field);
    if (slot) slot.textContent = pick(f, "message");
    else unplaced.push(pick(f, "message"));
    if (el) {
      el.setAttribute("aria-invalid", "true");
      first ??= el;
    }
  }
  first?.focus();
  return unplaced;
}

async function loadConnection() {
  const answer = await send({ type: "getConnection" });
  if (!answer.ok) return say($("connection-message"), errorOf(answer), "error");
  await rulesReady;
  fillConnection(answer.connection);
  if (!answer.connection.shopUrl) {
    // a connection saved but no longer readable (its encryption key is gone): say so
    if (await Ext.storedKeysUnreadable().catch(() => false)) say($("connection-message"), t("keys_unreadable"), "warning");
    prefillShop();
  } else checkHostAccess(originsFromForm()); // access withdrawn since: offer to grant it again
}

/** A first setup started from a Shoper admin tab: take that tab's address. */
async function prefillShop() {
  const origin = await Ext.findAdminTabOrigin().catch(() => null);
  if (!origin || input("shopUrl").value) return;
  input("shopUrl").value = origin;
  $("shop-url-prefilled").hidden = false;
}

async function saveConnection(granted) {
  const region = $("connection-message");
  clearFieldErrors(connectionForm);
  say(region, t("saving"), "info");
  const answer = await send({ type: "saveConnection", connection: readConnection() });
  if (!answer.ok) {
    const unplaced = showConnectionErrors(answer.error?.fields);
    const text = answer.error?.code === "invalid_fields" ? [t("connection_fix_fields"), ...unplaced].join(" ") : errorOf(answer);
    return say(region, text, "error");
  }
  if (revealed) revealed = Object.fromEntries(SECRET_FIELDS.map((f) => [f, input(f).value]));
  fillConnection(answer.connection);
  await granted;
  const access = await checkHostAccess(answer.hostPermissions ?? []);
  say(region, t(access ? "connection_saved" : "connection_saved_no_access"), access ? "success" : "warning");
  loadPanel(); // another shop: its other addresses went with the old one
}

/** Shows the "grant access" button when some origin the core needs is not granted. */
async function checkHostAccess(origins) {
  neededOrigins = origins;
  const ok = origins.length === 0 || (await Ext.permissionsContains(origins).catch(() => false));
  $("permission-fix").hidden = ok;
  $("permission-fix").dataset.access = ok ? "granted" : "missing"; // the check is done (tests wait for it)
  return ok;
}

const CHECK_ICONS = { ok: "✓", failed: "✕", warning: "!", skipped: "–" };

/** The check's name (`_locales`); a check this page does not know yet shows its id. */
function checkLabel(id) {
  const scope = id.match(/^shop_scope_(.+)$/);
  if (scope) return t("check_shop_scope", scope[1]);
  const label = t(`check_${id}`);
  return label === `check_${id}` ? id : label;
}

function renderChecks(checks) {
  $("checks").replaceChildren(
    ...checks.map((check) =>
      h(
        "li",
        { class: `conn-check check-${check.status}`, testid: `check-${check.id}`, "data-status": check.status },
        h("span", { class: "check-icon", "aria-hidden": "true" }, CHECK_ICONS[check.status] ?? "?"),
        h(
          "div",
          { class: "check-body" },
          h("strong", {}, checkLabel(check.id), h("span", { class: "visually-hidden" }, ` — ${t(`check_status_${check.status}`)}`)),
          h("p", {}, pick(check, "message")),
          pick(check, "fix") ? h("p", { class: "fix" }, h("strong", {}, t("check_fix")), " ", pick(check, "fix")) : null,
        ),
      ),
    ),
  );
}

async function testConnection(granted, origins) {
  const region = $("connection-message");
  const button = $("test-connection");
  button.disabled = true;
  $("checks").replaceChildren();
  say(region, t("checking"), "info");
  if (!(await granted)) {
    // the merchant refused the access prompt: nothing is sent (a request without the access
    // would still leave the browser, with the key)
    button.disabled = false;
    checkHostAccess(origins);
    return say(region, t("check_access_refused"), "error");
  }
  const answer = await send({ type: "testConnection", connection: readConnection() });
  button.disabled = false;
  if (!answer.ok) return say(region, errorOf(answer), "error");
  renderChecks(answer.checks ?? []);
  loadPanel(); // the check reads the shop's own idea of its address: maybe a proposal
  const failed = (answer.checks ?? []).filter((c) => c.status === "failed").length;
  say(region, failed ? plural("n_checks_failed", failed) : t("checks_all_ok"), failed ? "error" : "success");
}

async function toggleKeys() {
  const button = $("reveal-keys");
  if (revealed) {
    for (const field of SECRET_FIELDS) {
      const el = input(field);
      el.type = "password";
      if (el.value === revealed[field]) el.value = ""; // unchanged: back to the mask
    }
    revealed = null;
  } else {
    const answer = await send({ type: "revealKeys" });
    if (!answer.ok) return say($("connection-message"), errorOf(answer), "error");
    revealed = {};
    for (const field of SECRET_FIELDS) {
      const el = input(field);
      if (!el.value) el.value = answer.connection[field] ?? "";
      revealed[field] = el.value;
      el.type = "text";
    }
  }
  button.textContent = t(revealed ? "btn_hide_keys" : "btn_reveal_keys");
  button.setAttribute("aria-pressed", String(Boolean(revealed)));
}

for (const radio of connectionForm.querySelectorAll('input[name="shoperAuth"]')) radio.addEventListener("change", showAuthGroups);
$("save-connection").addEventListener("click", () => {
  const granted = requestHostAccess(originsFromForm()); // first: the click's user gesture
  saveConnection(granted);
});
$("test-connection").addEventListener("click", () => {
  const origins = originsFromForm();
  const granted = requestHostAccess(origins); // first: the click's user gesture
  testConnection(granted, origins);
});
$("grant-access").addEventListener("click", () => {
  requestHostAccess(neededOrigins).then(() => checkHostAccess(neededOrigins));
});
$("reveal-keys").addEventListener("click", toggleKeys);
input("shopUrl").addEventListener("input", () => ($("shop-url-prefilled").hidden = true));
for (const field of ["shopUrl", "systimAccount"]) input(field).addEventListener("input", showKeyPlaceholders);

// === the shop's admin panel ====================================================================
//
// The addresses where the admin-panel script shows the Systim button and the badges: the shop's
// own (where the keys go) and the others the merchant adds — each one asks for its host access
// in the click (no await before). Proposals come from the core (the shop's application-config,
// the login page's <body>); nothing is added unseen. Below, the panel pages the script did not
// recognise, for the merchant's bug report (docs/admin-panel.md).

/** The match pattern an address needs, by the core's rules (none for an address it refuses). */
const patternsOf = (address) => addressesOf?.({ shopUrl: address, systimAccount: "" }).patterns ?? [];

async function loadPanel() {
  const answer = await send({ type: "adminPanel" });
  if (answer.ok) renderPanel(answer.adminPanel);
}

/** `adminPanel {add | forget}`, after the access for an added address was asked for. */
async function editPanel(change, granted, address) {
  const region = $("panel-message");
  clearFieldErrors($("admin-panel"));
  if (change.add && !(await granted)) return say(region, t("panel_access_refused", address), "error");
  const answer = await send({ type: "adminPanel", ...change });
  if (!answer.ok) {
    const field = answer.error?.fields?.[0];
    if (field && change.add === $("panel-add").value.trim()) {
      $("panel-add-error").textContent = pick(field, "message");
      $("panel-add").setAttribute("aria-invalid", "true");
      return say(region, "", "info");
    }
    return say(region, errorOf(answer), "error");
  }
  if (change.add) $("panel-add").value = "";
  const removed = answer.adminPanel.aliases.length < panelAliases;
  renderPanel(answer.adminPanel);
  say(region, change.add ? t("panel_added", address) : removed ? t("panel_removed", address) : "", "success");
}

let panelAliases = 0; // how many other addresses the page shows

/** Adds `address` (whose host access is `patterns`): the access is asked for first, in the click. */
function addAddress(address, patterns) {
  const granted = requestHostAccess(patterns); // first: the click's user gesture
  editPanel({ add: address }, granted, address);
}

function renderPanel(view) {
  panelAliases = view.aliases.length;
  const row = (origin, testid, ...rest) => h("li", { testid, "data-origin": origin }, h("code", {}, origin), ...rest);
  const aliases = view.aliases.map((alias) => {
    const access = h("span", { class: "muted", testid: "panel-access" });
    Ext.permissionsContains([alias.pattern]).then((ok) => {
      access.dataset.access = ok ? "granted" : "missing";
      if (!ok) {
        access.replaceChildren(t("panel_access_missing"), " ", h("button", { type: "button", class: "link", testid: "panel-grant", on: { click: () => requestHostAccess([alias.pattern]).then(loadPanel) } }, t("btn_grant_access")));
      }
    }, () => {});
    return row(alias.origin, "panel-alias", access, h("button", { type: "button", class: "link danger", testid: "panel-forget", on: { click: () => editPanel({ forget: alias.origin }, null, alias.origin) } }, t("btn_panel_remove")));
  });
  $("panel-addresses").replaceChildren(
    view.shop ? row(view.shop, "panel-main", h("span", { class: "pill" }, t("panel_main_address"))) : h("li", { class: "muted" }, t("panel_no_shop")),
    ...aliases,
  );
  $("panel-proposals").replaceChildren(
    view.proposals.length
      ? h(
          "div",
          { class: "notice info proposals" },
          h("p", {}, h("strong", {}, t("panel_proposals_title"))),
          h(
            "ul",
            { class: "address-list" },
            view.proposals.map((p) =>
              row(
                p.origin,
                "panel-proposal",
                h("span", { class: "muted" }, t(`panel_from_${p.source}`)),
                h("button", { type: "button", class: "small", testid: "panel-proposal-add", on: { click: () => addAddress(p.origin, [p.pattern]) } }, t("btn_panel_add_proposal")),
                h("button", { type: "button", class: "link", testid: "panel-proposal-dismiss", on: { click: () => editPanel({ forget: p.origin }, null, p.origin) } }, t("btn_panel_dismiss")),
              ),
            ),
          ),
        )
      : "",
  );
  $("panel-unrecognised").replaceChildren(
    ...(view.unrecognised.length
      ? view.unrecognised.map((u) =>
          h(
            "li",
            { testid: "panel-unrecognised-page", "data-problem": u.problem },
            h("code", {}, u.pattern),
            h("span", {}, t(`panel_problem_${u.problem}`)),
            h("span", { class: "muted" }, t("panel_seen", u.count, formatWhen(u.lastMs))),
          ),
        )
      : [h("li", { class: "muted" }, t("panel_unrecognised_none"))]),
  );
}

$("panel-add-button").addEventListener("click", () => {
  const address = $("panel-add").value.trim();
  addAddress(address, patternsOf(address));
});
$("panel-add").addEventListener("keydown", (e) => {
  if (e.key === "Enter") $("panel-add-button").click();
});
// the merchant may have opened the panel's login page meanwhile: its addresses are proposed
window.addEventListener("focus", () => loadPanel());

// === settings ==================================================================================
//
// One entry per field of `Settings` (src/settings.rs; JSON names as serde writes them). `path` is
// the serde path, which is also what `invalid_fields` names. Texts: `set_<path with _>` (label)
// and `set_<…>_help`; choice labels `set_<…>__<value>`.

const ORIGINS = ["storefront", "facebook", "mobile", "allegro", "api", "admin_panel", "admin_as_customer", "google", "apilo"];

const SETTINGS_FORM = [
  {
    group: "auto",
    fields: [
      { path: "auto_sync", type: "bool" },
      { path: "interval_minutes", type: "int" },
    ],
  },
  {
    group: "orders",
    fields: [
      { path: "orders.enabled", type: "bool" },
      { path: "orders.origins", type: "origins" },
      { path: "orders.statuses", type: "statuses" },
      { path: "orders.start", type: "start" },
      { path: "orders.missing_product", type: "choice", options: ["hold", "create_in_systim", "import_without_line"] },
      { path: "orders.order_discount", type: "choice", options: ["spread", "hold"] },
      { path: "orders.link_contractors", type: "bool" },
      { path: "orders.new_product_category_id", type: "optInt" },
      { path: "orders.shipping_product_id", type: "optInt" },
      { path: "orders.systim_status_id", type: "optInt" },
      { path: "orders.ledger_days", type: "int" },
    ],
  },
  {
    group: "stock",
    fields: [
      { path: "stock.enabled", type: "bool" },
      {
        path: "stock.warehouses",
        type: "rows",
        columns: [
          { key: "systim_stores", type: "idList" },
          { key: "shop_warehouse", type: "optInt" },
        ],
        blank: { systim_stores: [], shop_warehouse: null },
      },
      { path: "stock.push_zeros", type: "bool" },
      { path: "stock.max_zero_share_percent", type: "int" },
      { path: "stock.zero_brake_min_count", type: "int" },
      { path: "stock.reserve_open_orders", type: "bool" },
      { path: "stock.require_same_category", type: "bool" },
      { path: "stock.require_same_vat", type: "bool" },
    ],
  },
  {
    group: "products",
    fields: [
      { path: "products.auto_create", type: "bool" },
      { path: "products.codeless", type: "choice", options: ["create_with_generated_code", "skip"] },
      { path: "products.missing_category", type: "choice", options: ["report", "create"] },
      { path: "products.create_inactive", type: "bool" },
      { path: "products.include_hidden", type: "bool" },
      { path: "products.name_locale", type: "optText", placeholder: "pl_PL" },
      { path: "products.default_category_id", type: "optInt" },
    ],
  },
  {
    group: "mappings",
    fields: [
      { path: "matching.normalize_codes", type: "bool" },
      idMapping("orders.payment_mapping"),
      { path: "orders.default_payment_id", type: "optInt" },
      idMapping("orders.delivery_mapping"),
      { path: "orders.default_delivery_id", type: "optInt" },
      idMapping("orders.currency_mapping"),
    ],
  },
];

function idMapping(path) {
  return {
    path,
    type: "rows",
    columns: [
      { key: "shop_id", type: "int" },
      { key: "systim_id", type: "int" },
    ],
    blank: { shop_id: null, systim_id: null },
  };
}

const textKey = (path) => `set_${path.replace(/\./g, "_")}`;
const controlId = (path) => `f-${path.replace(/\./g, "-")}`;
const getPath = (obj, path) => path.split(".").reduce((o, k) => o?.[k], obj);
function setPath(obj, path, value) {
  const keys = path.split(".");
  const last = keys.pop();
  const parent = keys.reduce((o, k) => (o[k] ??= {}), obj);
  parent[last] = value;
}

// --- parsing: syntax only ("is this a number"); ranges and meaning are the core's to judge ---

const fail = (key) => ({ error: t(key) });
const parseInt10 = (text, { optional = false } = {}) => {
  const s = String(text ?? "").trim();
  if (s === "") return optional ? { value: null } : fail("err_number_required");
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s))) return fail("err_number_digits");
  return { value: Number(s) };
};
const parseIdList = (text) => {
  const parts = String(text ?? "").split(/[\s,;]+/).filter(Boolean);
  if (parts.some((p) => !/^\d+$/.test(p))) return fail("err_id_list");
  return { value: parts.map(Number) };
};
const formatIdList = (ids) => (ids ?? []).join(", ");

// --- editors: each returns {node, read() → {value} | {error}} ---

function scalarInput(id, value, { numeric = true, placeholder, describedBy } = {}) {
  return h("input", {
    id,
    testid: id,
    type: "text",
    inputmode: numeric ? "numeric" : null,
    value: value ?? "",
    placeholder,
    spellcheck: "false",
    autocomplete: "off",
    "aria-describedby": describedBy,
  });
}

const EDITORS = {
  bool(f, value, id) {
    const box = h("input", { type: "checkbox", id, testid: id, role: "switch", checked: Boolean(value) });
    return { node: box, read: () => ({ value: box.checked }), inline: true };
  },
  int(f, value, id, describedBy) {
    const el = scalarInput(id, value, { describedBy });
    return { node: el, read: () => parseInt10(el.value) };
  },
  optInt(f, value, id, describedBy) {
    const el = scalarInput(id, value, { describedBy, placeholder: t("placeholder_none") });
    return { node: el, read: () => parseInt10(el.value, { optional: true }) };
  },
  optText(f, value, id, describedBy) {
    const el = scalarInput(id, value, { numeric: false, describedBy, placeholder: f.placeholder });
    return { node: el, read: () => ({ value: el.value.trim() || null }) };
  },
  choice(f, value, id, describedBy) {
    const select = h(
      "select",
      { id, testid: id, "aria-describedby": describedBy },
      f.options.map((o) => h("option", { value: o, selected: o === value }, t(`${textKey(f.path)}__${o}`))),
    );
    return { node: select, read: () => ({ value: select.value }) };
  },
  /** `orders.origins`: one box per known origin; `{other: n}` entries are kept and shown as such. */
  origins(f, value, id) {
    const list = Array.isArray(value) ? value : [];
    const others = list.filter((o) => typeof o === "object" && o !== null);
    const boxes = [
      ...ORIGINS.map((o) => ({ value: o, label: t(`origin_${o}`), checked: list.includes(o) })),
      ...others.map((o) => ({ value: o, label: t("origin_other", Object.values(o)[0]), checked: true })),
    ].map((o, i) => {
      const boxId = `${id}-${typeof o.value === "string" ? o.value : `other-${i}`}`;
      return { ...o, el: h("input", { type: "checkbox", id: boxId, testid: boxId, checked: o.checked }) };
    });
    const node = h("div", { class: "check-grid", role: "group", id }, boxes.map((b) => h("label", { class: "check" }, b.el, " ", b.label)));
    return { node, read: () => ({ value: boxes.filter((b) => b.el.checked).map((b) => b.value) }) };
  },
  /** `orders.statuses`: all but "not completed", or only the listed Shoper status ids. */
  statuses(f, value, id) {
    return taggedChoice(f, value, id, {
      tag: "mode",
      content: "ids",
      variants: { all_except_not_completed: null, only: { parse: parseIdList, format: formatIdList, placeholder: "1, 2, 3" } },
    });
  },
  /** `orders.start`: not chosen, from an order id, or from a day. */
  start(f, value, id) {
    return taggedChoice(f, value, id, {
      tag: "kind",
      content: "value",
      variants: {
        unset: null,
        order_id: { parse: (s) => parseInt10(s), format: (v) => v ?? "" },
        date: { parse: (s) => (s ? { value: s } : fail("err_date_required")), format: (v) => v ?? "", placeholder: t("placeholder_date") },
      },
    });
  },
  /** Rows of small records (id mappings, warehouse links), with add and remove. */
  rows(f, value, id) {
    const head = h("tr", {}, f.columns.map((c) => h("th", { scope: "col" }, t(`${textKey(f.path)}_${c.key}`))), h("th", {}, h("span", { class: "visually-hidden" }, t("btn_remove_row"))));
    const body = h("tbody");
    const rows = [];
    const addRow = (record) => {
      const n = rows.length;
      const cells = f.columns.map((c) => {
        const v = record?.[c.key];
        const el = scalarInput(`${id}-${n}-${c.key}`, c.type === "idList" ? formatIdList(v) : v, {
          placeholder: c.type === "optInt" || c.type === "idList" ? t(`${textKey(f.path)}_${c.key}_empty`) : null,
        });
        el.setAttribute("aria-label", t(`${textKey(f.path)}_${c.key}`));
        return { column: c, el };
      });
      const row = { cells };
      const remove = h("button", { type: "button", class: "link danger", testid: `${id}-${n}-remove`, on: { click: () => { rows.splice(rows.indexOf(row), 1); row.tr.remove(); } } }, t("btn_remove_row"));
      row.tr = h("tr", {}, cells.map((c) => h("td", {}, c.el)), h("td", {}, remove));
      rows.push(row);
      body.append(row.tr);
    };
    (Array.isArray(value) ? value : []).forEach(addRow);
    const add = h("button", { type: "button", class: "ghost small", testid: `${id}-add`, on: { click: () => addRow(f.blank) } }, t("btn_add_row"));
    const node = h("div", { class: "rows", id }, h("table", {}, h("thead", {}, head), body), add);
    const parseCell = ({ column, el }) =>
      column.type === "idList" ? parseIdList(el.value) : parseInt10(el.value, { optional: column.type === "optInt" });
    const read = () => {
      const out = [];
      for (const row of rows) {
        const record = {};
        for (const cell of row.cells) {
          const r = parseCell(cell);
          if (r.error) return r;
          record[cell.column.key] = r.value;
        }
        out.push(record);
      }
      return { value: out };
    };
    return { node, read };
  },
};

/** A serde adjacently tagged enum: radio buttons for the variant, one input for its content. */
function taggedChoice(f, value, id, { tag, content, variants }) {
  const current = value?.[tag] ?? Object.keys(variants)[0];
  const name = `${id}-variant`;
  const parts = Object.entries(variants).map(([variant, spec]) => {
    const radio = h("input", { type: "radio", name, id: `${id}-${variant}`, testid: `${id}-${variant}`, value: variant, checked: variant === current });
    const field = spec
      ? h("input", {
          type: "text",
          id: `${id}-${variant}-value`,
          testid: `${id}-${variant}-value`,
          value: variant === current ? spec.format(value?.[content]) : "",
          placeholder: spec.placeholder,
          "aria-label": t(`${textKey(f.path)}__${variant}`),
          spellcheck: "false",
        })
      : null;
    return { variant, spec, radio, field };
  });
  const sync = () => parts.forEach((p) => p.field && (p.field.disabled = !p.radio.checked));
  parts.forEach((p) => p.radio.addEventListener("change", sync));
  sync();
  const node = h(
    "div",
    { class: "tagged", role: "radiogroup", id },
    parts.map((p) => h("div", { class: "tagged-row" }, h("label", { class: "radio" }, p.radio, " ", t(`${textKey(f.path)}__${p.variant}`)), p.field)),
  );
  const read = () => {
    const chosen = parts.find((p) => p.radio.checked) ?? parts[0];
    if (!chosen.spec) return { value: { [tag]: chosen.variant } };
    const r = chosen.spec.parse(chosen.field.value.trim());
    return r.error ? r : { value: { [tag]: chosen.variant, [content]: r.value } };
  };
  return { node, read };
}

let loadedSettings = null; // as the core last gave them: unknown fields survive the round trip
let settingsFields = []; // [{f, editor, errorEl, wrap}]

function renderSettings(settings) {
  loadedSettings = settings;
  settingsFields = [];
  const form = $("settings-form");
  form.replaceChildren(
    ...SETTINGS_FORM.map(({ group, fields }) =>
      h(
        "fieldset",
        { class: "group", id: `group-${group}` },
        h("legend", {}, t(`group_${group}`)),
        fields.map((f) => renderSettingField(f, getPath(settings, f.path))),
      ),
    ),
  );
}

function renderSettingField(f, value) {
  const id = controlId(f.path);
  const helpId = `${id}-help`;
  const errorId = `${id}-error`;
  const editor = EDITORS[f.type](f, value, id, `${helpId} ${errorId}`);
  const label = t(textKey(f.path));
  const compound = !["bool", "int", "optInt", "optText", "choice"].includes(f.type);
  const errorEl = h("p", { class: "field-error", id: errorId, role: "alert", testid: `${id}-error` });
  const help = h("p", { class: "help", id: helpId }, t(`${textKey(f.path)}_help`));
  const wrap = compound
    ? h("fieldset", { class: "field compound", "data-path": f.path }, h("legend", {}, label), help, editor.node, errorEl)
    : editor.inline
      ? h("div", { class: "field inline", "data-path": f.path }, h("label", { class: "check", for: id }, editor.node, " ", label), help, errorEl)
      : h("div", { class: "field", "data-path": f.path }, h("label", { for: id }, label), editor.node, help, errorEl);
  if (!compound) editor.node.setAttribute("aria-describedby", `${helpId} ${errorId}`);
  settingsFields.push({ f, editor, errorEl, wrap });
  return wrap;
}

/** The form read back over a copy of the loaded settings; syntax errors as `[{field, text}]`. */
function readSettings() {
  const settings = structuredClone(loadedSettings);
  const errors = [];
  for (const { f, editor } of settingsFields) {
    const r = editor.read();
    if (r.error) errors.push({ field: f.path, text: r.error });
    else setPath(settings, f.path, r.value);
  }
  return { settings, errors };
}

/** Marks each field with its message and lists them all (with links) above the form. */
function showSettingsErrors(errors) {
  clearFieldErrors($("settings-form"));
  const unplaced = [];
  const links = [];
  for (const e of errors) {
    const target = settingsFields.find(({ f }) => f.path === e.field) ?? settingsFields.find(({ f }) => e.field.startsWith(`${f.path}.`));
    if (!target) {
      unplaced.push(e.text);
      continue;
    }
    target.errorEl.textContent = target.errorEl.textContent ? `${target.errorEl.textContent} ${e.text}` : e.text;
    target.wrap.querySelector("input, select")?.setAttribute("aria-invalid", "true");
    links.push(h("li", {}, h("a", { href: `#${controlId(target.f.path)}` }, t(textKey(target.f.path))), `: ${e.text}`));
  }
  $("settings-summary").replaceChildren(
    errors.length
      ? h(
          "div",
          { class: "notice error", role: "alert", testid: "settings-errors" },
          h("p", {}, plural("n_fields_to_fix", errors.length)),
          h("ul", {}, links, unplaced.map((text) => h("li", {}, text))),
        )
      : "",
  );
  if (errors.length) $("settings-summary").scrollIntoView({ block: "nearest" });
}

async function loadSettings() {
  const answer = await send({ type: "getSettings" });
  if (!answer.ok) return say($("settings-message"), errorOf(answer), "error");
  renderSettings(answer.settings);
}

async function saveSettings() {
  const region = $("settings-message");
  const { settings, errors } = readSettings();
  if (errors.length) {
    showSettingsErrors(errors);
    return say(region, t("settings_not_saved"), "error");
  }
  say(region, t("saving"), "info");
  const answer = await send({ type: "saveSettings", settings });
  if (!answer.ok) {
    const fields = answer.error?.fields ?? [];
    showSettingsErrors(fields.map((e) => ({ field: e.field, text: pick(e, "message") })));
    return say(region, fields.length ? t("settings_not_saved") : errorOf(answer), "error");
  }
  showSettingsErrors([]);
  renderSettings(answer.settings);
  say(region, t("settings_saved"), "success");
}

$("save-settings").addEventListener("click", saveSettings);
$("reset-settings").addEventListener("click", () => {
  showSettingsErrors([]);
  if (loadedSettings) renderSettings(loadedSettings);
  say($("settings-message"), t("settings_reset_done"), "info");
});

// === settings file ("Eksportuj ustawienia" / "Importuj ustawienia") =============================
//
// The file is the core's (`exportSettings` / `importSettings`, docs/messages.md): keys go into it
// only when the merchant ticks "z kluczami" and confirms the warning; an import is all or nothing.

const exportDialog = $("export-dialog");

/** The dialog's state: the warning and its confirmation only with keys; Save waits for it. */
function syncExportDialog() {
  const keys = $("export-with-keys").checked;
  $("export-keys-warning").hidden = !keys;
  if (!keys) $("export-keys-confirm").checked = false;
  $("export-save").disabled = keys && !$("export-keys-confirm").checked;
  $("export-save").textContent = keys ? t("btn_export_save_keys") : t("btn_export_save");
}

async function exportSettings() {
  const withKeys = $("export-with-keys").checked && $("export-keys-confirm").checked;
  exportDialog.close();
  const region = $("settings-message");
  const answer = await send({ type: "exportSettings", withKeys });
  if (!answer.ok) return say(region, errorOf(answer), "error");
  downloadFile(answer);
  if (withKeys) say(region, t("settings_exported_keys", answer.filename), "warning");
  else say(region, t("settings_exported", answer.filename), "success");
}

/** The connection a file without keys proposes, into the form (not saved: the keys are typed). */
function proposeConnection(connection) {
  for (const el of connectionForm.querySelectorAll("[data-field]")) {
    if (!SECRET_FIELDS.includes(el.dataset.field)) el.value = connection[el.dataset.field] ?? "";
  }
  const mode = connection.shoperAuth === "token" ? "token" : "user";
  connectionForm.querySelector(`input[name="shoperAuth"][value="${mode}"]`).checked = true;
  showAuthGroups();
  showKeyPlaceholders();
  say($("connection-message"), t("settings_imported_type_keys"), "warning");
}

async function importSettings(file) {
  const region = $("settings-message");
  say(region, t("settings_importing"), "info");
  let content;
  try {
    content = await file.text();
  } catch {
    return say(region, t("settings_file_not_read"), "error");
  }
  const answer = await send({ type: "importSettings", content });
  if (!answer.ok) {
    const fields = answer.error?.fields ?? [];
    $("settings-summary").replaceChildren(
      fields.length
        ? h("div", { class: "notice error", role: "alert", testid: "import-errors" }, h("ul", {}, fields.map((f) => h("li", {}, `${f.field}: ${pick(f, "message")}`))))
        : "",
    );
    return say(region, errorOf(answer), "error");
  }
  showSettingsErrors([]);
  renderSettings(answer.settings);
  const parts = [t("settings_imported")];
  if (answer.connectionSaved) {
    fillConnection(answer.connection);
    const access = await checkHostAccess(answer.hostPermissions ?? []);
    parts.push(t(access ? "settings_imported_connection" : "settings_imported_connection_no_access"));
  } else if (answer.connection?.shopUrl && !answer.keysIncluded) {
    proposeConnection(answer.connection);
    parts.push(t("settings_imported_type_keys"));
  }
  if (answer.ignoredFields?.length) parts.push(t("settings_imported_ignored", answer.ignoredFields.join(", ")));
  say(region, parts.join(" "), answer.ignoredFields?.length || !answer.connectionSaved ? "warning" : "success");
}

$("export-settings").addEventListener("click", () => {
  $("export-with-keys").checked = false;
  syncExportDialog();
  exportDialog.showModal();
});
$("export-with-keys").addEventListener("change", syncExportDialog);
$("export-keys-confirm").addEventListener("change", syncExportDialog);
$("export-cancel").addEventListener("click", () => exportDialog.close());
$("export-save").addEventListener("click", exportSettings);
$("import-settings").addEventListener("click", () => $("import-file").click());
$("import-file").addEventListener("change", (event) => {
  const [file] = event.target.files ?? [];
  event.target.value = ""; // the same file may be chosen again
  if (file) importSettings(file);
});

// === report ====================================================================================

const reports = reportPanel({
  reportEl: $("report-view"),
  historyEl: $("report-history"),
  onConfirmZeroing: async (report) => {
    const answer = await send({ type: "run", kind: report.kind, dryRun: false, confirmZeroing: true });
    if (!answer.ok) say($("report-message"), errorOf(answer), "error");
    watcher.track(answer.runId);
  },
});
const watcher = watchStatus({
  onStatus: (answer) => showProgress($("report-progress"), answer.ok ? answer.running : null),
  onRunEnded: () => reports.showLatest(),
});
$("refresh-report").addEventListener("click", () => reports.showLatest());
$("export-csv").addEventListener("click", () => exportCsv($("report-message")));

/** `options.html#report` (the content script's "open report") lands on the report. */
function focusSection() {
  const section = document.getElementById(decodeURIComponent(location.hash.slice(1)));
  if (!section?.classList.contains("card")) return;
  section.scrollIntoView({ block: "start" });
  section.querySelector("h2")?.focus({ preventScroll: true });
}
window.addEventListener("hashchange", focusSection);

await Promise.all([loadConnection(), loadPanel(), loadSettings(), reports.refresh()]);
focusSection();
