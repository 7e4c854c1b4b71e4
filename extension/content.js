// The content script of the configured shop's admin panel (registered at run time for that
// origin only, after ext_api.js). Plain JS, no wasm, no keys: it can only ask the background
// for `syncNow`, `openReport` and `orderBadges` (docs/messages.md).
//
// - a "Systim" button (fixed in the corner, so it needs nothing of the panel's layout) with
//   "Synchronizuj teraz" and "Otwórz raport";
// - on /admin/orders and /admin/orders/view/id/{id}: a badge per order (imported, held, …) next
//   to each link to an order, or next to the order page's heading.
//
// Everything of ours lives in closed shadow roots; the look comes from content.css through
// ::part(), which the panel's own CSS cannot reach. When the layout is not recognised (no order
// links, no heading) the badges are simply not shown.
(() => {
  "use strict";
  const Ext = globalThis.ExtApi;
  if (!Ext || globalThis.__shoperSystimContent || document.querySelector("shoper-systim-panel")) return;
  globalThis.__shoperSystimContent = true;

  const t = (key, ...subs) => Ext.i18n(key, subs.map(String));
  const lang = Ext.uiLanguage();
  const pick = (obj, field) => (obj ? obj[`${field}_${lang}`] || obj[`${field}_pl`] || "" : "");

  const ORDER_VIEW = /^\/admin\/orders\/view\/id\/(\d+)(?:\/|$)/;
  const ORDER_LINK = /\/admin\/orders\/view\/id\/(\d+)(?:[/?#]|$)/;
  const onOrderPages = /^\/admin\/orders(\/|$)/.test(location.pathname);
  const MAX_IDS = 200; // per orderBadges message
  const REFRESH_AFTER_SYNC_MS = [8_000, 30_000];

  function el(tag, props = {}, text = "") {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(props)) node.setAttribute(k, v);
    if (text) node.textContent = text;
    return node;
  }

  // --- the Systim button ------------------------------------------------------------------------

  const panel = (() => {
    const host = el("shoper-systim-panel", { "data-testid": "systim-panel" });
    const root = host.attachShadow({ mode: "closed" });
    const toggle = el("button", { type: "button", part: "toggle", "data-testid": "systim-toggle", "aria-expanded": "false", "aria-haspopup": "true" }, t("cs_button"));
    const menu = el("div", { part: "menu", role: "group", "aria-label": t("cs_menu_label") });
    const syncButton = el("button", { type: "button", part: "item primary", "data-testid": "systim-sync-now" }, t("cs_sync_now"));
    const reportButton = el("button", { type: "button", part: "item", "data-testid": "systim-open-report" }, t("cs_open_report"));
    const status = el("p", { part: "status", role: "status", "aria-live": "polite" });
    const current = el("p", { part: "current" });
    current.hidden = true;
    menu.append(syncButton, reportButton, current, status);
    root.append(toggle, menu);

    // A part name, not `hidden` or an inline style: content.css styles the menu through
    // ::part(), and a page-level ::part() rule wins over anything set inside the shadow root.
    let isOpen = false;
    const setOpen = (open) => {
      isOpen = open;
      menu.setAttribute("part", open ? "menu" : "menu closed");
      toggle.setAttribute("aria-expanded", String(open));
      host.dataset.open = String(open); // readable outside the closed root
    };
    setOpen(false);
    toggle.addEventListener("click", () => setOpen(!isOpen));
    root.addEventListener("keydown", (e) => {
      if (e.key === "Escape") {
        setOpen(false);
        toggle.focus();
      }
    });
    syncButton.addEventListener("click", async () => {
      syncButton.disabled = true;
      status.textContent = t("cs_starting");
      const answer = await Ext.send({ type: "syncNow" });
      syncButton.disabled = false;
      host.dataset.sync = answer.ok ? "started" : answer.error?.code ?? "error"; // readable outside the closed root
      status.textContent = answer.ok ? t("cs_started") : pick(answer.error, "message") || t("err_unknown");
      if (answer.ok) REFRESH_AFTER_SYNC_MS.forEach((ms) => setTimeout(() => badges.refreshAll(), ms));
    });
    reportButton.addEventListener("click", async () => {
      const answer = await Ext.send({ type: "openReport" });
      if (!answer.ok) status.textContent = pick(answer.error, "message") || t("err_unknown");
    });
    return {
      host,
      /** On an order page without a recognisable heading, the badge goes in the menu instead. */
      showCurrent(text) {
        current.textContent = text;
        current.hidden = !text;
      },
    };
  })();

  // --- order badges ---------------------------------------------------------------------------

  const badges = (() => {
    const known = new Map(); // order id → Badge from the background
    const asked = new Set(); // ids asked for (answer pending or received)
    const hosts = new Map(); // order id → its badge element (one per order on the page)

    function badgeHost(id) {
      const host = el("shoper-systim-badge", { "data-order-id": id, "data-testid": "order-badge" });
      const root = host.attachShadow({ mode: "closed" });
      const span = el("span", { part: "badge", role: "note" });
      root.append(span);
      host.render = (badge) => {
        const state = badge?.state ?? "unknown";
        span.setAttribute("part", `badge ${state}`);
        span.textContent = badge ? pick(badge, "text") : t("cs_badge_loading");
        host.dataset.state = badge ? state : "loading"; // readable outside the closed root, like the text below
        host.title = span.textContent;
      };
      return host;
    }

    /** Where each order's badge goes: after the first link to it, or the order page's heading. */
    function anchors() {
      const found = new Map();
      const view = location.pathname.match(ORDER_VIEW);
      if (view) {
        const heading = document.querySelector("main h1, h1, .page-title, h2");
        found.set(view[1], heading ?? null);
      }
      for (const link of document.querySelectorAll('a[href*="/admin/orders/view/id/"]')) {
        const m = (link.getAttribute("href") ?? "").match(ORDER_LINK);
        if (m && !found.has(m[1])) found.set(m[1], link);
      }
      return found;
    }

    function place() {
      for (const [id, anchor] of anchors()) {
        if (anchor === null) {
          const badge = known.get(id);
          panel.showCurrent(badge ? t("cs_current_order", id, pick(badge, "text")) : "");
          continue;
        }
        let host = hosts.get(id);
        if (!host || !host.isConnected) {
          host = badgeHost(id);
          hosts.set(id, host);
          anchor.insertAdjacentElement("afterend", host);
        }
        host.render(known.get(id));
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
        for (const [id, badge] of Object.entries(answer.badges ?? {})) known.set(id, badge);
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
    document.documentElement.append(panel.host);
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
