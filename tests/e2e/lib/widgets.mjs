// The admin-panel widgets of the content script, read the way only the extension (or the
// browser's automation) can: they sit in closed shadow roots on bare `div`/`span` hosts, with
// nothing a page script could read. Chromium: the content script's own world, where
// `chrome.dom.openOrClosedShadowRoot` opens a closed root (through the DevTools protocol).
// Firefox: WebDriver's "Get Element Shadow Root", which Marionette answers for closed roots too
// (`page.widgets()` of lib/firefox.mjs).

/**
 * Runs in a world that can open closed shadow roots (`open(el)`); gives
 * `{panel: {open, sync, current, host, toggle, syncNow, report} | null, badges: {id: {state, text, document, after, by}},
 * list: [{id, state, by}]}` where each button is `{x, y}` (its centre in the viewport), `host`
 * the host element's tag and attribute names, `document` the order's sales document button
 * (`{text, at}`, null when it has none), `after` the tag of the element the badge follows
 * and `by` what the badge sits by: `link <id>` (it follows a link to that order), `order <id>`
 * (it precedes `[data-order-id]` of that order), or the tag it follows. `list` has every badge on
 * the page, doubles included (`badges` keeps one per order).
 */
export const READ_WIDGETS = `((open) => {
  const centre = (el) => { if (!el) return null; const r = el.getBoundingClientRect(); return { x: r.x + r.width / 2, y: r.y + r.height / 2 }; };
  let panel = null;
  const badges = {};
  const list = [];
  for (const host of document.querySelectorAll("div, span")) {
    const root = open(host);
    if (!root) continue;
    const box = root.querySelector('[data-ui="panel"]');
    if (box) {
      const current = root.querySelector('[data-testid="systim-current-order"]');
      panel = {
        open: box.dataset.open === "true",
        sync: box.dataset.sync ?? null,
        current: current?.textContent ?? "",
        host: { tag: host.localName, attributes: host.getAttributeNames() },
        toggle: centre(root.querySelector('[data-testid="systim-toggle"]')),
        syncNow: centre(root.querySelector('[data-testid="systim-sync-now"]')),
        report: centre(root.querySelector('[data-testid="systim-open-report"]')),
      };
    }
    const badge = root.querySelector('[data-ui="badge"]');
    if (badge) {
      const before = host.previousElementSibling;
      const next = host.nextElementSibling;
      const linked = before?.localName === "a" ? (before.getAttribute("href") ?? "").match(/\\/admin\\/orders\\/view\\/id\\/(\\d+)/) : null;
      const by = linked ? "link " + linked[1] : next?.hasAttribute("data-order-id") ? "order " + next.getAttribute("data-order-id").trim() : before?.localName ?? null;
      const doc = root.querySelector('[data-ui="document"]');
      badges[badge.dataset.orderId] = {
        state: badge.dataset.state,
        text: badge.textContent,
        document: doc && doc.style.display !== "none" ? { text: doc.textContent, at: centre(doc) } : null,
        after: before?.localName ?? null,
        by,
        host: { tag: host.localName, attributes: host.getAttributeNames() },
      };
      list.push({ id: badge.dataset.orderId, state: badge.dataset.state, by });
    }
  }
  return { panel, badges, list };
})`;

const worlds = new WeakMap(); // page → {cdp, contexts: Set<contextId>}

/** The content script's isolated world in a Chromium page (any extension's: only ours is loaded). */
async function contentWorld(page) {
  let world = worlds.get(page);
  if (!world) {
    const cdp = await page.context().newCDPSession(page);
    world = { cdp, contexts: new Map() };
    cdp.on("Runtime.executionContextCreated", ({ context }) => {
      if (context.auxData?.type === "isolated" && context.origin.startsWith("chrome-extension://")) {
        world.contexts.set(context.id, context.auxData.frameId);
      }
    });
    cdp.on("Runtime.executionContextDestroyed", ({ executionContextId }) => world.contexts.delete(executionContextId));
    cdp.on("Runtime.executionContextsCleared", () => world.contexts.clear());
    await cdp.send("Runtime.enable"); // reports the worlds that exist already
    worlds.set(page, world);
  }
  return world;
}

/**
 * Evaluates `expression` in the content script's world of a Chromium page (by value); null while
 * the script has not run there (or its world went with a navigation).
 */
export async function inContentWorld(page, expression) {
  const world = await contentWorld(page);
  const contextId = [...world.contexts.keys()].at(-1);
  if (contextId === undefined) return null;
  const { result, exceptionDetails } = await world.cdp
    .send("Runtime.evaluate", { expression, contextId, returnByValue: true, awaitPromise: true })
    .catch((e) => ({ exceptionDetails: { text: String(e) } }));
  return exceptionDetails ? null : result.value;
}

/** What the widgets show now (`READ_WIDGETS`), or null while the content script has not run. */
export async function readWidgets(page) {
  if (typeof page.widgets === "function") return page.widgets(); // Firefox (WebDriver)
  return inContentWorld(page, `${READ_WIDGETS}((el) => chrome.dom.openOrClosedShadowRoot(el))`);
}

/** Whether the content script's world exists in the page (Chromium): it ran there. */
export async function contentScriptRan(page) {
  return (await contentWorld(page)).contexts.size > 0;
}
