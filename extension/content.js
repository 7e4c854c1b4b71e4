// The content script of the configured shop's admin panel (registered at run time for that
// shop's `/admin` and `/admin/*` pages only, after ext_api.js). Plain JS, no wasm, no keys: it can
// only ask the background for `syncNow`, `openReport` and `orderBadges` (docs/messages.md).
//
// - a "Systim" button (fixed in the corner, so it needs nothing of the panel's layout) with
//   "Synchronizuj teraz" and "Otwórz raport";
// - on /admin/orders and /admin/orders/view/id/{id}: a badge per order (imported, held, …) next
//   to each link to one of this shop's orders, or next to the order page's heading.
//
// The page is not trusted (its own scripts, an injected ad, XSS in the panel):
// - our hosts are plain `div`/`span` elements (a custom element name can be pre-registered by the
//   page) with nothing on them: every text, state and data attribute lives inside a closed
//   shadow root, styled from here through the CSSOM (no `part` a page rule could reach or probe);
// - only the user's own clicks and keys count (`isTrusted`): a script's synthetic event does
//   nothing;
// - nothing the page puts in the DOM can switch us off (the "already here" mark is in this
//   script's own world, which the page cannot see), and links to other hosts get no badge.
// When the layout is not recognised (no order links, no heading) the badges are simply not shown.
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
  const onOrderPages = /^\/admin\/orders(\/|$)/.test(location.pathname);
  const MAX_IDS = 200; // per orderBadges message
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
    const shown = new Map(); // order id → {node, render} (one badge per order on the page)

    function badge(id) {
      const { node, root } = host("span", { display: "inline-block", margin: "0 6px", "vertical-align": "middle" });
      const span = css(el("span", { role: "note", "data-ui": "badge", "data-order-id": id }), {
        display: "inline-block", padding: "2px 8px", "border-radius": "999px", "white-space": "nowrap",
        font: `12px/1.3 ${FONT}`, "border-width": "1px", "border-style": "solid",
      });
      root.append(span);
      const render = (answer) => {
        const state = answer?.state ?? "unknown";
        const [border, background, color] = BADGE_COLORS[state] ?? BADGE_COLORS.unknown;
        css(span, { "border-color": border, background, color });
        span.textContent = answer ? pick(answer, "text") : t("cs_badge_loading");
        span.dataset.state = answer ? state : "loading";
      };
      return { node, render };
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

    /** Where each order's badge goes: after the first link to it, or the order page's heading. */
    function anchors() {
      const found = new Map();
      const view = location.pathname.match(ORDER_VIEW);
      if (view) found.set(view[1], document.querySelector("main h1, h1, .page-title, h2"));
      for (const link of document.querySelectorAll('a[href*="/admin/orders/view/id/"]')) {
        const id = orderOf(link);
        if (id && !found.has(id)) found.set(id, link);
      }
      return found;
    }

    function place() {
      for (const [id, anchor] of anchors()) {
        if (anchor === null) {
          const answer = known.get(id);
          panel.showCurrent(answer ? t("cs_current_order", id, pick(answer, "text")) : "");
          continue;
        }
        let item = shown.get(id);
        if (!item || !item.node.isConnected) {
          item = badge(id);
          shown.set(id, item);
          anchor.insertAdjacentElement("afterend", item.node);
        }
        item.render(known.get(id));
      }
    }

    async function fetchMissing() {
      const ids = [...anchors().keys()].filter((id) => !asked.has(id));
      for (let i = 0; i < ids.length; i += MAX_IDS) {
        const batch = ids.slice(i, i + MAX_IDS);
        batch.forEach((id) => asked.add(id));
        const answer = await Ext.send({ type: "orderBadges", orderIds: batch.map(Number) });
        if (!answer.ok) {
          batch.forEach((id) => asked.delete(id)); // try again on the next change of the page
          return;
        }
        for (const [id, b] of Object.entries(answer.badges ?? {})) known.set(id, b);
        place();
      }
    }

    const scan = () => {
      place();
      fetchMissing().catch(() => {});
    };
    return {
      scan,
      refreshAll() {
        asked.clear();
        scan();
      },
    };
  })();

  // --- start ----------------------------------------------------------------------------------

  try {
    document.documentElement.append(panel.node);
    if (onOrderPages) {
      badges.scan();
      let pending = null;
      new MutationObserver(() => {
        clearTimeout(pending);
        pending = setTimeout(badges.scan, 300); // the panel re-renders lists: once per burst
      }).observe(document.body, { childList: true, subtree: true });
    }
  } catch {
    // a layout we do not understand: stay out of the way
  }
})();
