// The content script of the shop's admin panel (registered at run time for `/admin` and
// `/admin/*` of each of the shop's addresses — the main one and the others the merchant added —
// after ext_api.js). Plain JS, no wasm, no keys: it can only ask the background for `syncNow`,
// `openReport`, `openDocument`, `orderBadges`, `reportPage` and, on the login page, `reportShopAddresses`
// (docs/messages.md, docs/admin-panel.md).
//
// Where it is, decided on load, on `popstate`, on the Navigation API's `currententrychange`
// where the browser has it, and on every change of the page (one MutationObserver, always on,
// at most one look per quarter second) — so a panel that renders in the browser, swaps its
// lists or changes its URL with the History API is followed without a reload:
// - a page of the signed-in panel (the `<html>` element carries the panel's `ctrl-… actn-…`
//   classes, and not `ctrl-auth`): a "Systim" button (fixed in the corner, so it needs nothing
//   of the panel's layout) with "Synchronizuj teraz" and "Otwórz raport", and a badge per order
//   (imported, held, …) right after the first link to each of this shop's orders — links that
//   appear later get theirs, a badge whose link went goes with it, never two for one order; on
//   an order's page (`/admin/orders/view/id/{id}`) its badge goes before `[data-order-id]` of
//   that order, else after the text "Podgląd zamówienia", else after the first `h1`, else into
//   the menu;
// - the sign-in pages (`/admin/auth/…`: login, two-factor) and any page without the panel's
//   marks: nothing at all. On the login page only, the addresses the page's `<body>` names
//   (`data-domain`, `data-domain-name`, `data-license-domain`) are passed to the background,
//   which offers them on the options page;
// - what it did not recognise (a page without the marks, an order page without its element) is
//   noted by the background as a path pattern (`/admin/orders/view/{n}`: no ids, no data),
//   shown on the options page for the merchant's bug report; nothing leaves the browser.
//
// The page is not trusted (its own scripts, an injected ad, XSS in the panel):
// - our hosts are plain `div`/`span` elements (a custom element name can be pre-registered by the
//   page) with nothing on them: every text, state and data attribute lives inside a closed
//   shadow root, styled from here through the CSSOM (no `part` a page rule could reach or probe);
// - only the user's own clicks and keys count (`isTrusted`): a script's synthetic event does
//   nothing;
// - nothing the page puts in the DOM can switch us off (the "already here" mark is in this
//   script's own world, which the page cannot see), and links to other hosts get no badge.
// The panel's marks are a signal of where we are, not a defence: the background answers only
// this shop's badges, and a page can fake no more than that.
(() => {
  "use strict";
  const Ext = globalThis.ExtApi;
  if (!Ext || globalThis.__shoperSystimContent) return;
  if (!/^\/admin(\/|$)/.test(location.pathname)) return; // not /administrator, not /admin-old
  globalThis.__shoperSystimContent = true;

  const t = (key, ...subs) => Ext.i18n(key, subs.map(String));
  const lang = Ext.uiLanguage();
  const pick = (obj, field) => (obj ? obj[`${field}_${lang}`] || obj[`${field}_pl`] || "" : "");

  const ORDER_VIEW = /^\/admin\/orders\/view\/id\/(\d+)(?:\/|$)/;
  const ORDER_VIEW_LIKE = /^\/admin\/orders\/view(\/|$)/;
  const IN_PANEL = /^\/admin(\/|$)/;
  const SIGN_IN = /^\/admin\/auth(\/|$)/;
  const LOGIN = /^\/admin\/auth\/login\/?$/;
  const ORDER_PAGE_TEXT = "Podgląd zamówienia";
  const MAX_IDS = 200; // per orderBadges message
  const LOOK_GAP_MS = 250; // at most one look at the page per this, however busy it is
  const SETTLE_MS = 3000; // what is still missing this long after a page (or URL) came is noted
  const REFRESH_AFTER_SYNC_MS = [8_000, 30_000];

  const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  const BADGE_COLORS = {
    imported: ["#86efac", "#dcfce7", "#14532d"],
    doubled: ["#f87171", "#fee2e2", "#7f1d1d"], // in Systim more than once: the merchant must act
    held: ["#fcd34d", "#fef3c7", "#78350f"],
    not_imported: ["#cbd5e1", "#f1f5f9", "#475569"],
    pending: ["#93c5fd", "#dbeafe", "#1e3a8a"],
    unknown: ["#cbd5e1", "#f1f5f9", "#334155"],
  };

  /** Inline styles through the CSSOM (page CSP cannot refuse them, page CSS cannot override them). */
  function css(node, props) {
    for (const [name, value] of Object.entries(props)) node.style.setProperty(name, value, "important");
    return node;
  }

  function el(tag, attrs = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  /** A bare host element and its closed shadow root: the page sees an empty `div`/`span`. */
  function host(tag, placement) {
    const node = css(document.createElement(tag), { all: "initial", ...placement });
    return { node, root: node.attachShadow({ mode: "closed" }) };
  }

  /** The user's own click or key, not a page script's `dispatchEvent`/`click()`. */
  const trusted = (handler) => (event) => {
    if (event.isTrusted) handler(event);
  };

  // --- the Systim button ------------------------------------------------------------------------

  const panel = (() => {
    const { node, root } = host("div", { position: "fixed", right: "16px", bottom: "16px", "z-index": "2147483000" });
    const box = css(el("div", { "data-ui": "panel", "data-open": "false" }), {
      display: "flex", "flex-direction": "column-reverse", "align-items": "flex-end", gap: "8px",
      font: `14px/1.4 ${FONT}`, color: "#0f172a",
    });
    const button = (text, testid, primary) =>
      css(el("button", { type: "button", "data-testid": testid }, text), {
        font: "inherit", padding: "8px 12px", "border-radius": "8px", "text-align": "left", cursor: "pointer",
        border: `1px solid ${primary ? "#0f766e" : "#cbd5e1"}`, background: primary ? "#0f766e" : "#f8fafc", color: primary ? "#fff" : "#0f172a",
      });
    const toggle = css(el("button", { type: "button", "data-testid": "systim-toggle", "aria-expanded": "false", "aria-haspopup": "true" }, t("cs_button")), {
      font: "inherit", "font-weight": "600", padding: "8px 16px", border: "0", "border-radius": "999px",
      background: "#0f766e", color: "#fff", "box-shadow": "0 4px 14px rgb(15 23 42 / 0.25)", cursor: "pointer",
    });
    const menu = css(el("div", { role: "group", "aria-label": t("cs_menu_label") }), {
      "flex-direction": "column", gap: "6px", width: "240px", padding: "12px", border: "1px solid #cbd5e1",
      "border-radius": "12px", background: "#fff", "box-shadow": "0 10px 30px rgb(15 23 42 / 0.2)",
    });
    const syncButton = button(t("cs_sync_now"), "systim-sync-now", true);
    const reportButton = button(t("cs_open_report"), "systim-open-report", false);
    const note = { margin: "0", "font-size": "13px", color: "#334155" };
    const status = css(el("p", { role: "status", "aria-live": "polite" }), note);
    const current = css(el("p", { "data-testid": "systim-current-order" }), { ...note, display: "none" });
    menu.append(syncButton, reportButton, current, status);
    box.append(toggle, menu);
    root.append(box);

    const setOpen = (open) => {
      css(menu, { display: open ? "flex" : "none" });
      toggle.setAttribute("aria-expanded", String(open));
      box.dataset.open = String(open);
    };
    setOpen(false);
    toggle.addEventListener("click", trusted(() => setOpen(box.dataset.open !== "true")));
    root.addEventListener("keydown", trusted((e) => {
      if (e.key !== "Escape") return;
      setOpen(false);
      toggle.focus();
    }));
    syncButton.addEventListener("click", trusted(async () => {
      syncButton.disabled = true;
      status.textContent = t("cs_starting");
      const answer = await Ext.send({ type: "syncNow" });
      syncButton.disabled = false;
      box.dataset.sync = answer.ok ? "started" : answer.error?.code ?? "error";
      status.textContent = answer.ok ? t("cs_started") : pick(answer.error, "message") || t("err_unknown");
      if (answer.ok) REFRESH_AFTER_SYNC_MS.forEach((ms) => setTimeout(() => badges.refreshAll(), ms));
    }));
    reportButton.addEventListener("click", trusted(async () => {
      const answer = await Ext.send({ type: "openReport" });
      if (!answer.ok) status.textContent = pick(answer.error, "message") || t("err_unknown");
    }));
    return {
      node,
      /** On an order page without a recognisable heading, the badge goes in the menu instead. */
      showCurrent(text) {
        current.textContent = text;
        css(current, { display: text ? "block" : "none" });
      },
    };
  })();

  // --- order badges ---------------------------------------------------------------------------

  const badges = (() => {
    const known = new Map(); // order id → Badge from the background
    const asked = new Set(); // ids asked for (answer pending or received)
    const shown = new Map(); // order id → {node, render, anchor, where} (one badge per order on the page)

    function badge(id) {
      const { node, root } = host("span", { display: "inline-block", margin: "0 6px", "vertical-align": "middle" });
      const span = css(el("span", { role: "note", "data-ui": "badge", "data-order-id": id }), {
        display: "inline-block", padding: "2px 8px", "border-radius": "999px", "white-space": "nowrap",
        font: `12px/1.3 ${FONT}`, "border-width": "1px", "border-style": "solid",
      });
      // the order's sales document, when one was issued: its PDF opens in an extension page
      const documentButton = css(el("button", { type: "button", "data-ui": "document", "data-order-id": id, title: t("cs_document_open") }), {
        display: "none", margin: "0 0 0 4px", padding: "2px 8px", "border-radius": "999px", cursor: "pointer",
        font: `12px/1.3 ${FONT}`, border: "1px solid #0f766e", background: "#f0fdfa", color: "#0f766e",
      });
      documentButton.addEventListener("click", trusted((e) => {
        e.preventDefault();
        e.stopPropagation();
        Ext.send({ type: "openDocument", orderId: Number(id) });
      }));
      root.append(span, documentButton);
      let drawn = null; // the answer drawn last (`false`: none yet): each is drawn once
      const render = (answer) => {
        if (drawn === (answer ?? false)) return;
        drawn = answer ?? false;
        const state = answer?.state ?? "unknown";
        const [border, background, color] = BADGE_COLORS[state] ?? BADGE_COLORS.unknown;
        css(span, { "border-color": border, background, color });
        span.textContent = answer ? pick(answer, "text") : t("cs_badge_loading");
        span.dataset.state = answer ? state : "loading";
        const doc = answer?.document;
        documentButton.textContent = doc ? `📄 ${pick(doc, "text")}` : "";
        css(documentButton, { display: doc ? "inline-block" : "none" });
      };
      return { node, render, anchor: null, where: null };
    }

    /** This shop's order id a link leads to (links to other hosts or paths count for nothing). */
    function orderOf(link) {
      try {
        const url = new URL(link.href, location.href);
        return url.origin === location.origin ? url.pathname.match(ORDER_VIEW)?.[1] ?? null : null;
      } catch {
        return null;
      }
    }

    /** The first element whose own text holds `text` (not in a script, a style or a form control). */
    function elementWithText(text) {
      const found = document.evaluate(`//body//text()[contains(., "${text}")]`, document, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
      for (let i = 0; i < found.snapshotLength; i++) {
        const parent = found.snapshotItem(i).parentElement;
        if (parent && !parent.closest("script, style, noscript, template, textarea, select, option")) return parent;
      }
      return null;
    }

    /**
     * Where an order's own page puts its badge: before `[data-order-id]` of this very order (the
     * element the real panel has), else after the text "Podgląd zamówienia", else after the first
     * `h1`; null when there is none of them.
     */
    function orderPageSpot(id) {
      for (const element of document.querySelectorAll("[data-order-id]")) {
        if (element.getAttribute("data-order-id").trim() === id) return { anchor: element, where: "beforebegin" };
      }
      const heading = elementWithText(ORDER_PAGE_TEXT) ?? document.querySelector("main h1, h1");
      return heading ? { anchor: heading, where: "afterend" } : null;
    }

    /**
     * Where each order's badge goes: `{id → {anchor, where} | null}` — after a link to it (the
     * one it follows already while that link is still there, else the first), or the order
     * page's own spot.
     */
    function spots(here) {
      const found = new Map();
      if (here.orderId) found.set(here.orderId, orderPageSpot(here.orderId));
      const links = new Map();
      for (const link of document.querySelectorAll('a[href*="id/"]')) {
        const id = orderOf(link);
        if (!id || found.has(id)) continue;
        if (!links.has(id)) links.set(id, []);
        links.get(id).push(link);
      }
      for (const [id, list] of links) {
        const current = shown.get(id)?.anchor;
        found.set(id, { anchor: list.includes(current) ? current : list[0], where: "afterend" });
      }
      return found;
    }

    const inPlace = (item, spot) =>
      item.anchor === spot.anchor && item.where === spot.where && item.node.isConnected &&
      (spot.where === "afterend" ? item.node.previousElementSibling === spot.anchor : item.node.nextElementSibling === spot.anchor);

    /** Puts every badge where it belongs; gives the ids on the page. */
    function place(here, settled) {
      const found = spots(here);
      for (const [id, item] of shown) {
        if (found.get(id)) continue;
        item.node.remove(); // its link (or the order's page) went
        shown.delete(id);
      }
      let current = "";
      for (const [id, spot] of found) {
        if (!spot) {
          // an order page whose element is not found: the badge goes in the menu
          const answer = known.get(id);
          current = answer ? t("cs_current_order", id, pick(answer, "text")) : "";
          if (settled) note("order_page", here.path);
          continue;
        }
        let item = shown.get(id);
        if (!item) shown.set(id, (item = badge(id)));
        if (!inPlace(item, spot)) {
          spot.anchor.insertAdjacentElement(spot.where, item.node);
          Object.assign(item, spot);
        }
        item.render(known.get(id));
      }
      panel.showCurrent(current);
      return [...found.keys()];
    }

    async function fetchMissing(ids) {
      const missing = ids.filter((id) => !asked.has(id));
      for (let i = 0; i < missing.length; i += MAX_IDS) {
        const batch = missing.slice(i, i + MAX_IDS);
        batch.forEach((id) => asked.add(id));
        const answer = await Ext.send({ type: "orderBadges", orderIds: batch.map(Number) });
        if (!answer.ok) {
          batch.forEach((id) => asked.delete(id)); // asked again at the next change of the page
          return;
        }
        for (const [id, b] of Object.entries(answer.badges ?? {})) known.set(id, b);
        look();
      }
    }

    return {
      scan(here, settled) {
        fetchMissing(place(here, settled)).catch(() => {});
      },
      clear() {
        for (const item of shown.values()) item.node.remove();
        shown.clear();
        panel.showCurrent("");
      },
      refreshAll() {
        asked.clear();
        look();
      },
    };
  })();

  // --- where we are -----------------------------------------------------------------------------

  /**
   * `{kind, path, orderId}`: `panel` (a page of the signed-in panel: its `ctrl-… actn-…` marks,
   * not `ctrl-auth`), `login` (the login page), `sign_in` (the other `/admin/auth/…` pages),
   * `unmarked` (under `/admin` without the marks) or `outside` (the URL left `/admin`).
   */
  function where() {
    const path = location.pathname;
    if (!IN_PANEL.test(path)) return { kind: "outside", path };
    if (SIGN_IN.test(path)) return { kind: LOGIN.test(path) ? "login" : "sign_in", path };
    const classes = [...document.documentElement.classList];
    const ctrl = classes.find((c) => /^ctrl-./.test(c));
    if (!ctrl || !classes.some((c) => /^actn-./.test(c))) return { kind: "unmarked", path };
    if (ctrl === "ctrl-auth") return { kind: "sign_in", path };
    return { kind: "panel", path, orderId: path.match(ORDER_VIEW)?.[1] ?? null };
  }

  /** A path as a pattern: digits → `{n}`, a word stays, anything else → `{x}` (no ids, no data). */
  const patternOf = (path) =>
    path
      .replace(/\/+$/, "")
      .split("/")
      .map((seg, i) => (i === 0 ? seg : /^\d+$/.test(seg) ? "{n}" : /^[A-Za-z_-]{1,40}$/.test(seg) ? seg : "{x}"))
      .slice(0, 17)
      .join("/");

  const noted = new Set(); // what was passed on already (once per page)
  function once(key, send) {
    if (noted.has(key)) return;
    noted.add(key);
    Ext.send(send()).catch(() => {});
  }

  /** A page of the panel not recognised (`problem` as docs/messages.md `reportPage`). */
  const note = (problem, path) => {
    const pattern = patternOf(path);
    once(`${problem} ${pattern}`, () => ({ type: "reportPage", pattern, problem }));
  };

  /** On the login page: the shop's addresses its `<body>` names, for the options page. */
  function passOnAddresses() {
    const data = document.body?.dataset ?? {};
    const domains = [...new Set([data.domain, data.domainName, data.licenseDomain].filter((d) => typeof d === "string" && d.trim()))];
    if (domains.length) once(`addresses ${location.pathname}`, () => ({ type: "reportShopAddresses", domains: domains.slice(0, 3) }));
  }

  let page = { key: null, since: 0 }; // the URL the last look saw, and since when
  let settleTimer = null;

  /** Looks where we are and puts (or takes away) the button and the badges. */
  function look() {
    const key = location.pathname + location.search;
    if (key !== page.key) {
      page = { key, since: Date.now() };
      clearTimeout(settleTimer);
      settleTimer = setTimeout(look, SETTLE_MS + 50);
    }
    const here = where();
    const settled = Date.now() - page.since >= SETTLE_MS && document.readyState === "complete";
    if (here.kind === "panel") {
      if (!panel.node.isConnected) document.documentElement.append(panel.node);
      badges.scan(here, settled);
      if (settled && !here.orderId && ORDER_VIEW_LIKE.test(here.path)) note("order_url", here.path);
      return;
    }
    panel.node.remove();
    badges.clear();
    if (here.kind === "login") passOnAddresses();
    if (here.kind === "unmarked" && settled) note("no_panel_marks", here.path);
  }

  let lookTimer = null;
  /** Another look soon (a burst of changes costs one look per LOOK_GAP_MS). */
  function soon() {
    if (lookTimer === null) {
      lookTimer = setTimeout(() => {
        lookTimer = null;
        look();
      }, LOOK_GAP_MS);
    }
  }

  // --- start ----------------------------------------------------------------------------------

  try {
    look();
    new MutationObserver(soon).observe(document.documentElement, {
      childList: true, subtree: true, attributes: true, attributeFilter: ["class"],
    });
    addEventListener("popstate", soon);
    addEventListener("pageshow", soon);
    globalThis.navigation?.addEventListener?.("currententrychange", soon);
  } catch {
    // a layout we do not understand: stay out of the way
  }
})();
