// The options page: the connection (shop, Shoper access, Systim account and key) with the
// connection test, the shop's admin panel (its other addresses, what the extension proposes, the
// panel pages it did not recognise), every setting of the core (drawn from the form the core describes: SETTINGS_FORM),
// and the report with the history. It validates nothing itself beyond "is this a number": the
// core answers `invalid_fields` and the page shows each message next to its field, keeping
// whatever the merchant typed.
import {
  t, h, pick, send, errorOf, localize, say, watchStatus, showProgress, reportPanel,
  renderConnectionSummary, exportCsv, plural, formatWhen, downloadFile,
} from "./ui.js";
import { DEV_HOSTS } from "./build_flags.js";
import initCore, { address_origins, settings_form } from "./pkg/shoper_systim.js";

const Ext = globalThis.ExtApi;
const $ = (id) => document.getElementById(id);

localize();

/**
 * The core's address rules, in this page (the same wasm as the background's): what the Save and
 * Check clicks ask host access for must be known in the click itself, before any message. The
 * two buttons wait for them.
 */
let addressesOf = null; // ({shopUrl, systimAccount}) → {shop, systim, patterns}
/**
 * The settings form as the core describes it (`settings_form()`, src/settings_form.rs): groups of
 * fields, each `{path, type, min?, max?, options?, list?, placeholder?, columns?, blank?, suggest?,
 * default}` — every field of the core's `Settings` exactly once (checked by the core's tests).
 */
let SETTINGS_FORM = [];
const rulesReady = initCore()
  .then(() => {
    addressesOf = ({ shopUrl, systimAccount }) => address_origins(shopUrl ?? "", systimAccount ?? "", DEV_HOSTS === true);
    SETTINGS_FORM = JSON.parse(settings_form());
    for (const id of ["save-connection", "test-connection"]) $(id).disabled = false;
  })
  .catch(() => {
    say($("connection-message"), t("err_internal"), "error");
    say($("settings-message"), t("err_internal"), "error");
  });

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
  loadChoices(); // the lists of this shop and account
  renderGuide();
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

// --- pick lists: names instead of ids (`listChoices`, `suggestMappings`: docs/messages.md) ---
//
// Each id setting is a pick list of the names the shop and Systim give. The lists are asked for
// when the form is shown (the core keeps them briefly) and again on "Odśwież listy". A stored id
// whose entry is gone stays, shown as "nieznany (id N)" and flagged; a list Systim does not offer
// (an assumed method) falls back to a typed id — for payments with Systim's standard forms named.

const choices = {}; // kind → {available, items: [{id, name, extra}], standard?, message_pl?}
const pickers = new Set(); // controls to refill when a list arrives: {kind, refill}
let choicesMessage = "";

/** Every list the settings form names (the searched products aside). */
const formLists = () =>
  [...new Set(["shop_statuses", ...SETTINGS_FORM.flatMap(({ fields }) => fields.flatMap((f) => [f.list, ...(f.columns ?? []).map((c) => c.list)]))])].filter(
    (k) => k && k !== "systim_products",
  );

/** Reads `kinds` (all the form's lists when none given); `refresh`: ask the services again. */
async function loadChoices(kinds, refresh = false) {
  const wanted = kinds ?? formLists();
  if (!wanted.length) return;
  const region = $("choices-message");
  if (refresh) say(region, t("choices_loading"), "info");
  const answer = await send({ type: "listChoices", kinds: wanted, refresh });
  if (!answer.ok) {
    choicesMessage = answer.error?.code === "not_configured" ? t("choices_need_connection") : errorOf(answer);
    return say(region, choicesMessage, answer.error?.code === "not_configured" ? "info" : "error");
  }
  Object.assign(choices, answer.choices);
  for (const p of pickers) if (p.kind in answer.choices) p.refill();
  say(region, refresh ? t("choices_loaded") : "", "success");
  $("settings-form").dataset.choices = "loaded"; // tests wait for it
}

/** The entries a control offers: the list, or Systim's standard values where it has none. */
function entriesOf(kind) {
  const list = choices[kind];
  if (!list) return null;
  if (list.available) return list.items;
  return list.standard ?? null;
}

const entryLabel = (kind, e) =>
  kind === "shop_statuses" ? `${e.name} (${t(`status_type_${["1", "2", "3", "4"].includes(e.extra) ? e.extra : "1"}`)})`
  : kind === "systim_products" && e.extra ? `${e.extra} — ${e.name}`
  : e.name || `id ${e.id}`;

/**
 * One id chosen by name: a `<select>` of the list (testid `id`), or — until the list comes, or
 * where there is none — the typed id (testid `id-typed`). `text`: the id is text (a locale).
 */
function pickControl({ id, kind, value, optional = true, text = false, describedBy, label }) {
  const select = h("select", { id, testid: id, "aria-describedby": describedBy, "aria-label": label, hidden: true });
  const typed = scalarInput(`${id}-typed`, value, { numeric: !text, describedBy, placeholder: optional ? t("placeholder_none") : null });
  if (label) typed.setAttribute("aria-label", label);
  const note = h("p", { class: "help pick-note", testid: `${id}-note` });
  const search = kind === "systim_products"
    ? h("input", { type: "search", testid: `${id}-search`, class: "pick-search", placeholder: t("choices_search_product"), "aria-label": t("choices_search_product"), spellcheck: "false", autocomplete: "off" })
    : null;
  let current = value ?? null;
  let mode = "typed";
  const refill = () => {
    const entries = entriesOf(kind);
    if (!entries) {
      mode = "typed";
      select.hidden = true;
      typed.hidden = false;
      const list = choices[kind];
      note.textContent = list && !list.available ? pick(list, "message") : "";
      return;
    }
    if (mode === "select") current = readValue().value ?? null;
    else {
      const r = readTyped();
      if (!r.error) current = r.value;
    }
    mode = "select";
    const known = entries.some((e) => String(e.id) === String(current));
    const options = [];
    if (optional) options.push(h("option", { value: "" }, t("choices_none")));
    else if (current === null) options.push(h("option", { value: "", disabled: true }, t("choices_choose")));
    if (current !== null && !known) options.push(h("option", { value: String(current), "data-unknown": "true" }, t("choices_unknown", current)));
    for (const e of entries) options.push(h("option", { value: String(e.id) }, entryLabel(kind, e)));
    select.replaceChildren(...options);
    select.value = current === null ? "" : String(current);
    select.hidden = false;
    typed.hidden = true;
    const unknown = current !== null && !known && !(kind === "systim_products" && !choices[kind]?.searched);
    select.classList.toggle("unknown", unknown);
    select.toggleAttribute("aria-invalid", unknown);
    note.textContent = unknown ? t("choices_unknown_help", current) : choices[kind]?.available ? "" : t("choices_standard_values");
    note.dataset.unknown = String(unknown);
  };
  const readTyped = () => (text ? { value: typed.value.trim() || null } : parseInt10(typed.value, { optional }));
  const readValue = () => {
    if (mode === "typed") return readTyped();
    if (select.value === "") return optional ? { value: null } : fail("err_choose_one");
    return { value: text ? select.value : Number(select.value) };
  };
  if (search) {
    let timer = null;
    search.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const picked = readValue().value;
        const answer = await send({ type: "listChoices", kinds: [kind], query: search.value, ids: picked === null ? [] : [picked] });
        if (!answer.ok) return (note.textContent = errorOf(answer));
        choices[kind] = { ...answer.choices[kind], searched: true };
        refill();
        if (search.value && !picked && choices[kind].items.length === 1) select.value = String(choices[kind].items[0].id);
      }, 250);
    });
  }
  const control = { kind, refill };
  pickers.add(control);
  if (kind === "systim_products" && current !== null && !choices[kind]) {
    // the stored product's name: asked by its id
    send({ type: "listChoices", kinds: [kind], query: "", ids: [current] }).then((answer) => {
      if (answer.ok) {
        choices[kind] = answer.choices[kind];
        refill();
      }
    });
  }
  refill();
  const node = h("span", { class: "pick" }, search, select, typed, note);
  return { node, read: readValue, focusable: select };
}

/** Several ids chosen by name (boxes); `[]` stays "none". Falls back to the typed list. */
function multiPickControl({ id, kind, value, label }) {
  const box = h("div", { class: "check-grid pick-many", role: "group", id, testid: id, "aria-label": label });
  const typed = scalarInput(`${id}-typed`, formatIdList(value), { placeholder: label });
  const note = h("p", { class: "help pick-note", testid: `${id}-note` });
  let current = Array.isArray(value) ? value : [];
  let boxes = null;
  const refill = () => {
    const entries = entriesOf(kind);
    if (boxes) current = boxes.filter((b) => b.el.checked).map((b) => b.id);
    else {
      const r = parseIdList(typed.value);
      if (!r.error) current = r.value;
    }
    if (!entries) {
      boxes = null;
      box.hidden = true;
      typed.hidden = false;
      typed.value = formatIdList(current);
      note.textContent = choices[kind] ? pick(choices[kind], "message") : "";
      return;
    }
    const unknown = current.filter((c) => !entries.some((e) => e.id === c));
    boxes = [
      ...unknown.map((c) => ({ id: c, label: t("choices_unknown", c), unknown: true })),
      ...entries.map((e) => ({ id: e.id, label: entryLabel(kind, e) })),
    ].map((b) => ({ ...b, el: h("input", { type: "checkbox", testid: `${id}-${b.id}`, checked: current.includes(b.id), "data-unknown": b.unknown ? "true" : null }) }));
    box.replaceChildren(...boxes.map((b) => h("label", { class: b.unknown ? "check unknown" : "check" }, b.el, " ", b.label)));
    box.hidden = false;
    typed.hidden = true;
    note.textContent = unknown.length ? t("choices_unknown_help", unknown.join(", ")) : "";
    note.dataset.unknown = String(unknown.length > 0);
  };
  pickers.add({ kind, refill });
  refill();
  const node = h("div", { class: "pick" }, box, typed, note);
  return { node, read: () => (boxes ? { value: boxes.filter((b) => b.el.checked).map((b) => b.id) } : parseIdList(typed.value)) };
}

/**
 * "Zaproponuj przypisania": pairs by name from the core, each with "Akceptuj" — accepted pairs
 * become rows of the table (saved with "Zapisz ustawienia"); nothing is applied unseen.
 */
function suggestions(mapping, id, addRow) {
  const list = h("ul", { class: "proposals", testid: `${id}-proposals` });
  const button = h("button", { type: "button", class: "ghost small", testid: `${id}-suggest` }, t("btn_suggest"));
  button.addEventListener("click", async () => {
    list.replaceChildren(h("li", { class: "muted" }, t("choices_loading")));
    const answer = await send({ type: "suggestMappings", mapping });
    if (!answer.ok) return list.replaceChildren(h("li", { class: "field-error" }, errorOf(answer)));
    const items = answer.proposals.map((p) => {
      const li = h(
        "li",
        { testid: `${id}-proposal`, "data-shop-id": p.shopId, "data-systim-id": p.systimId },
        h("span", {}, `${p.shopName} → ${p.systimName}`),
        " ",
        h("span", { class: "muted" }, `(${pick(p, "why")})`),
        " ",
        h("button", { type: "button", class: "small", testid: `${id}-accept`, on: { click: () => { addRow(p); li.remove(); } } }, t("btn_accept")),
      );
      return li;
    });
    list.replaceChildren(...(items.length ? items : [h("li", { class: "muted", testid: `${id}-no-proposals` }, t("choices_no_proposals"))]));
  });
  return h("div", { class: "suggest" }, button, list);
}

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
    // The bounds the core enforces, shown while the field is empty.
    const el = scalarInput(id, value, { describedBy, placeholder: f.max != null ? `${f.min}–${f.max}` : `≥ ${f.min}` });
    return { node: el, read: () => parseInt10(el.value) };
  },
  optInt(f, value, id, describedBy) {
    if (f.list) return pickControl({ id, kind: f.list, value, describedBy });
    const el = scalarInput(id, value, { describedBy, placeholder: t("placeholder_none") });
    return { node: el, read: () => parseInt10(el.value, { optional: true }) };
  },
  optText(f, value, id, describedBy) {
    if (f.list) return pickControl({ id, kind: f.list, value, text: true, describedBy });
    const el = scalarInput(id, value, { numeric: false, describedBy, placeholder: f.placeholder });
    return { node: el, read: () => ({ value: el.value.trim() || null }) };
  },
  /** A list of ids picked from a pick list (`invoicing.trigger_statuses`). */
  idList(f, value, id) {
    return multiPickControl({ id, kind: f.list, value: value ?? [], label: t(textKey(f.path)) });
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
      variants: {
        all_except_not_completed: null,
        only: { editor: (ids) => multiPickControl({ id: `${id}-only-value`, kind: "shop_statuses", value: ids ?? [], label: t(`${textKey(f.path)}__only`) }) },
      },
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
        const cellId = `${id}-${n}-${c.key}`;
        const label = t(`${textKey(f.path)}_${c.key}`);
        if (c.list && c.type === "idList") return { column: c, picker: multiPickControl({ id: cellId, kind: c.list, value: v, label }) };
        if (c.list) return { column: c, picker: pickControl({ id: cellId, kind: c.list, value: v, optional: c.type === "optInt", label }) };
        const el = scalarInput(cellId, c.type === "idList" ? formatIdList(v) : v, {
          placeholder: c.type === "optInt" || c.type === "idList" ? t(`${textKey(f.path)}_${c.key}_empty`) : null,
        });
        el.setAttribute("aria-label", label);
        return { column: c, el };
      });
      const row = { cells };
      const remove = h("button", { type: "button", class: "link danger", testid: `${id}-${n}-remove`, on: { click: () => { rows.splice(rows.indexOf(row), 1); row.tr.remove(); } } }, t("btn_remove_row"));
      row.tr = h("tr", {}, cells.map((c) => h("td", {}, c.picker?.node ?? c.el)), h("td", {}, remove));
      rows.push(row);
      body.append(row.tr);
    };
    (Array.isArray(value) ? value : []).forEach(addRow);
    const add = h("button", { type: "button", class: "ghost small", testid: `${id}-add`, on: { click: () => addRow(f.blank) } }, t("btn_add_row"));
    // an accepted proposal becomes a row (`{shopId, systimId}`; a warehouse link: the Systim store feeds the shop's)
    const accept = (p) => addRow(f.suggest === "warehouse" ? { systim_stores: [p.systimId], shop_warehouse: p.shopId } : { shop_id: p.shopId, systim_id: p.systimId });
    const node = h("div", { class: "rows", id }, h("table", {}, h("thead", {}, head), body), add, f.suggest ? suggestions(f.suggest, id, accept) : null);
    const parseCell = ({ column, el, picker }) =>
      picker ? picker.read() : column.type === "idList" ? parseIdList(el.value) : parseInt10(el.value, { optional: column.type === "optInt" });
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
    // a variant with an editor of its own (statuses by name) instead of one text field
    const own = spec?.editor ? spec.editor(variant === current ? value?.[content] : null) : null;
    const field = own
      ? own.node
      : spec
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
    return { variant, spec, radio, field, own };
  });
  const sync = () =>
    parts.forEach((p) => {
      if (p.own) p.field.hidden = !p.radio.checked;
      else if (p.field) p.field.disabled = !p.radio.checked;
    });
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
    const r = chosen.own ? chosen.own.read() : chosen.spec.parse(chosen.field.value.trim());
    return r.error ? r : { value: { [tag]: chosen.variant, [content]: r.value } };
  };
  return { node, read };
}

let loadedSettings = null; // as the core last gave them: unknown fields survive the round trip
let settingsFields = []; // [{f, editor, errorEl, wrap}]

function renderSettings(settings) {
  loadedSettings = settings;
  settingsFields = [];
  pickers.clear();
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
  const [answer] = await Promise.all([send({ type: "getSettings" }), rulesReady]);
  if (!answer.ok) return say($("settings-message"), errorOf(answer), "error");
  renderSettings(answer.settings);
  loadChoices();
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
  loadChoices();
  say(region, t("settings_saved"), "success");
  renderGuide();
}

$("save-settings").addEventListener("click", saveSettings);
$("refresh-choices").addEventListener("click", () => loadChoices(undefined, true));
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

// === first-run guide ("Pierwsze kroki") =========================================================
//
// Five steps, each with its state and one action: connection → start point (with the number of
// orders a preview would import) → mappings with suggestions → a first preview → auto-sync on.
// Shown until every step is done or the merchant skips it (kept in this page's localStorage).

const GUIDE_SKIPPED = "guide-skipped";
let guideCount = null; // {done, considered} of the last counting preview

/** Runs an orders preview and waits for its report. */
async function previewOrders() {
  const started = await send({ type: "run", kind: "orders", dryRun: true });
  if (!started.ok) throw new Error(errorOf(started));
  watcher.track(started.runId);
  for (let i = 0; i < 600; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const answer = await send({ type: "getReport", runId: started.runId });
    if (answer.ok && answer.report) return answer.report;
  }
  throw new Error(t("err_unknown"));
}

async function renderGuide() {
  const section = $("guide");
  const [status, got] = await Promise.all([send({ type: "getStatus" }), send({ type: "getSettings" })]);
  if (!status.ok || !got.ok) return;
  let skipped = false;
  try {
    skipped = localStorage.getItem(GUIDE_SKIPPED) === "1";
  } catch {
    // No page storage (a private window's policy): the guide shows, as on a first visit.
  }
  const o = got.settings.orders;
  const steps = [
    { id: "connection", done: status.configured, go: "#connection" },
    { id: "start", done: o.start?.kind !== "unset", go: `#${controlId("orders.start")}`, count: status.configured },
    { id: "mappings", done: o.payment_mapping.length > 0 || o.delivery_mapping.length > 0 || o.default_payment_id !== null, go: "#group-mappings" },
    { id: "preview", done: Boolean(status.lastRuns?.orders), go: "#report", preview: status.configured },
    { id: "auto", done: status.autoSync?.enabled, auto: status.configured },
  ];
  const allDone = steps.every((s) => s.done);
  section.hidden = skipped || allDone;
  if (section.hidden) return;
  const result = h("p", { class: "muted", testid: "guide-count", "aria-live": "polite" }, guideCount ? t("guide_count", guideCount.done, guideCount.considered) : "");
  $("guide-steps").replaceChildren(
    ...steps.map((step, i) => {
      const actions = [h("a", { href: step.go ?? "#settings", class: "small", testid: `guide-go-${step.id}` }, t("btn_guide_go"))];
      if (step.count) {
        actions.push(
          h("button", { type: "button", class: "small", testid: "guide-count-button", on: { click: async () => {
            result.textContent = t("guide_counting");
            try {
              const report = await previewOrders();
              const counts = report.sections.find((x) => x.kind === "orders")?.counts ?? { done: 0, considered: 0 };
              guideCount = counts;
              result.textContent = t("guide_count", counts.done, counts.considered);
              reports.showLatest();
            } catch (e) {
              result.textContent = e.message;
            }
          } } }, t("btn_guide_count")),
        );
      }
      if (step.id === "mappings") {
        actions.push(h("button", { type: "button", class: "small", testid: "guide-suggest", on: { click: () => {
          for (const b of document.querySelectorAll('[data-testid$="-suggest"]')) b.click();
          $("group-mappings")?.scrollIntoView({ block: "start" });
        } } }, t("btn_guide_suggest")));
      }
      if (step.preview) {
        actions.push(h("button", { type: "button", class: "small", testid: "guide-preview", on: { click: async () => {
          result.textContent = t("guide_counting");
          try {
            await previewOrders();
            result.textContent = "";
            await reports.showLatest();
            location.hash = "#report";
            renderGuide();
          } catch (e) {
            result.textContent = e.message;
          }
        } } }, t("btn_guide_preview")));
      }
      if (step.auto) {
        actions.push(h("button", { type: "button", class: "small primary", testid: "guide-auto", on: { click: async () => {
          const answer = await send({ type: "setAutoSync", enabled: true });
          if (answer.ok) {
            await loadSettings();
            renderGuide();
          } else result.textContent = errorOf(answer);
        } } }, t("btn_guide_auto")));
      }
      return h(
        "li",
        { class: step.done ? "guide-step done" : "guide-step", testid: `guide-step-${step.id}`, "data-done": String(Boolean(step.done)) },
        h("span", { class: "guide-mark", "aria-hidden": "true" }, step.done ? "✓" : String(i + 1)),
        h("div", {}, h("strong", {}, t(`guide_${step.id}`)), h("span", { class: "visually-hidden" }, ` — ${t(step.done ? "guide_done" : "guide_todo")}`), h("p", { class: "help" }, t(`guide_${step.id}_help`)), step.id === "start" ? result : null),
        h("div", { class: "buttons" }, actions),
      );
    }),
  );
}

$("guide-skip").addEventListener("click", () => {
  try {
    localStorage.setItem(GUIDE_SKIPPED, "1");
  } catch {
    // Not remembered without page storage: hidden for this visit only.
  }
  $("guide").hidden = true;
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
await renderGuide();
focusSection();
