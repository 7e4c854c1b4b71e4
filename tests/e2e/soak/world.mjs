// What happens around the engine during the browser soak, between two runs — the native soak's
// activity (tests/soak/activity.rs) over the sandbox's HTTP API: customers buy in the
// storefront, the warehouse changes Systim's stock, shipped orders are issued, and (new here)
// the merchant adds products to Systim for the product push to create in the shop. Every change
// is recorded with the sandbox's (real) time: the truth the audit (audit.rs) judges by.

/** A small seeded generator (mulberry32): the same seed, the same choices. */
export class Rng {
  constructor(seed) {
    this.state = Number(BigInt.asUintN(32, BigInt(seed) ^ 0x9e3779b9n));
  }
  next() {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  below(n) {
    return Math.floor(this.next() * n);
  }
  chance(p) {
    return this.next() < p;
  }
}

/** Systim's main store (the demo has one). */
const STORE = 1;
export const SHIPPED = 7;
/** "gotowe do wysłania": an open status; with `--wz` it triggers the document and its WZ. */
export const READY = 6;
const CANCELLED = 8;
const OPEN = new Set([1, 2, 3, 4, 5, 6]);
/** Systim categories whose names the demo shop has too (so a pushed product has its category). */
const SYSTIM_CATEGORIES = [3, 4, 5, 6, 7, 8];
/** `Shoper <id> @ <host>` at the start of a Systim order's notes. */
const MARKER = /^\s*Shoper (\d+) @ /;

const milliText = (q) => `${q < 0 ? "-" : ""}${Math.trunc(Math.abs(q) / 1000)}.${String(Math.abs(q) % 1000).padStart(3, "0")}`;

export class World {
  /**
   * `sandbox`: lib/sandbox.mjs's control; `start`: the state before the first run; `pairs`: the
   * shop rows the stock rules apply to (`audit.rs pairs`).
   */
  constructor(sandbox, start, pairs, seed, { wz = false } = {}) {
    this.sandbox = sandbox;
    this.pairs = pairs;
    this.rng = new Rng(seed);
    this.seed = seed;
    /** The driver's changes, in the shape audit.rs reads. */
    this.changes = { orders: [], statuses: [], quantities: [] };
    this.latestQuantity = new Map(start.systim.products.map((p) => [p.id, Object.values(p.stock_milli ?? {}).reduce((a, b) => a + b, 0)]));
    this.status = new Map(start.shoper.orders.map((o) => [Number(o.order_id), Number(o.status_id)]));
    this.placed = 0;
    /** Systim products the merchant added: `{systim_id, code}`. */
    this.added = [];
    this.disturbances = 0;
    /** API calls the driver itself made (besides the control API): shop REST and Systim's API. */
    this.apiCalls = 0;
    this.systimToken = null;
    /** Whether the sandbox has `POST /__sandbox/systim/products` (null: not tried yet). */
    this.productsRoute = null;
    /** The extension issues each document's WZ (the native WZ soak's world: tests/soak/activity.rs). */
    this.wz = wz;
    /** WZs already in the truth, and the sales documents they were issued for. */
    this.wzSeen = new Set();
    this.wzInvoices = new Set();
  }

  /** Everything that happens between two runs; gives back what to do during the next run. */
  async step({ addProducts }) {
    if (this.wz) await this.absorbWzs();
    for (let i = this.rng.below(4); i > 0; i--) await this.placeOrder();
    for (let i = this.rng.below(3); i > 0; i--) await this.restock();
    await this.shipOrders();
    if (addProducts) for (let i = this.rng.below(3); i > 0; i--) await this.addProduct();
    return this.disturb();
  }

  pick() {
    return this.pairs[this.rng.below(this.pairs.length)];
  }

  /** A customer's order of one to three products; now and then one Systim lacks, or cancelled. */
  async placeOrder() {
    const lines = Array.from({ length: 1 + this.rng.below(3) }, () => this.pick());
    const specLines = lines.map((p) => ({ stock_id: p.stock_id, quantity: 1 + this.rng.below(2) }));
    if (this.rng.chance(0.04)) specLines.push({ code: "SKL-TYLKO", quantity: 1 });
    const status = this.rng.chance(0.03) ? CANCELLED : 1;
    const shipping = this.rng.chance(0.5) ? "14.99" : "0.00";
    const spec = { lines: specLines, status_id: status, shipping_cost: shipping, email: `klient${this.placed}@example.pl` };
    let orderId;
    try {
      orderId = await this.sandbox.placeOrder(spec);
    } catch {
      return; // out of stock in the shop: the customer goes away
    }
    const t = Date.now();
    const taken = lines.map((p, i) => [p.systim_id, specLines[i].quantity * 1000]);
    this.changes.orders.push({ order_id: orderId, placed_ms: t, lines: taken });
    this.setStatus(orderId, t, status);
    this.placed += 1;
  }

  setStatus(orderId, t, status) {
    this.changes.statuses.push([orderId, t, status]);
    this.status.set(orderId, status);
  }

  /** A delivery or a stocktaking sets a product's Systim figure (added products too). */
  async restock() {
    const n = this.rng.below(this.pairs.length + this.added.length);
    const product = n < this.pairs.length ? this.pairs[n].systim_id : this.added[n - this.pairs.length].systim_id;
    await this.setSystimQuantity(product, this.rng.below(40) * 1000);
  }

  async setSystimQuantity(product, quantity) {
    await this.sandbox.call("POST", "/systim/stock", { product_id: product, store_id: STORE, quantity: milliText(quantity) });
    this.changes.quantities.push([product, Date.now(), quantity]);
    this.latestQuantity.set(product, quantity);
  }

  /**
   * The WZs the extension issued since the last look (`Activity::absorb_wzs`): Systim's figure
   * dropped by their lines when Systim made each — a second WZ of the same document (the
   * browser's resend, which no method shows) from now on, as a change the run could not read.
   */
  async absorbWzs() {
    const state = await this.sandbox.state();
    const fresh = (state.systim.documents ?? [])
      .filter((d) => d.rodzaj === 4 && d.id_faktury != null && !this.wzSeen.has(d.id))
      .sort((a, b) => a.created_ms - b.created_ms || a.id - b.id);
    const now = Date.now();
    const first = [];
    const copies = [];
    for (const d of fresh) {
      this.wzSeen.add(d.id);
      if (this.wzInvoices.has(d.id_faktury)) copies.push([now, d]);
      else (this.wzInvoices.add(d.id_faktury), first.push([d.created_ms, d]));
    }
    for (const [t, d] of [...first, ...copies]) {
      for (const line of d.lines ?? []) {
        const quantity = (this.latestQuantity.get(line.id_produktu) ?? 0) - line.ilosc_milli;
        this.latestQuantity.set(line.id_produktu, quantity);
        this.changes.quantities.push([line.id_produktu, t, quantity]);
      }
    }
  }

  /**
   * Imported orders still open are shipped now and then: status on, Systim issues the lines.
   * With the WZ (`wz`), the extension issues it: an order is made ready first (the document's
   * trigger), and a ready order is shipped once its WZ is in Systim — the figure is left to the WZ.
   */
  async shipOrders() {
    const state = await this.sandbox.state();
    const copies = new Map();
    for (const o of state.systim.orders) {
      const m = String(o.uwagi ?? "").match(MARKER);
      if (m) copies.set(Number(m[1]), [...(copies.get(Number(m[1])) ?? []), o]);
    }
    const withWz = new Set();
    if (this.wz) {
      const invoiceOrder = new Map();
      for (const d of state.systim.invoices ?? []) {
        const m = String(d.uwagi ?? "").match(MARKER);
        if (m) invoiceOrder.set(d.id, Number(m[1]));
      }
      for (const d of state.systim.documents ?? []) if (d.rodzaj === 4 && invoiceOrder.has(d.id_faktury)) withWz.add(invoiceOrder.get(d.id_faktury));
    }
    for (const orderId of [...copies.keys()].sort((a, b) => a - b)) {
      if (!OPEN.has(this.status.get(orderId)) || !this.rng.chance(0.15)) continue;
      if (this.wz) {
        const next = this.status.get(orderId) !== READY ? READY : withWz.has(orderId) ? SHIPPED : null;
        if (next === null) continue;
        await this.shopRest("PUT", `orders/${orderId}`, { status_id: next });
        this.setStatus(orderId, Date.now(), next);
        continue;
      }
      await this.shopRest("PUT", `orders/${orderId}`, { status_id: SHIPPED });
      this.setStatus(orderId, Date.now(), SHIPPED);
      for (const line of copies.get(orderId)[0].lines ?? []) {
        const product = Number(line.id);
        await this.setSystimQuantity(product, (this.latestQuantity.get(product) ?? 0) - Number(line.ilosc_milli));
      }
    }
  }

  /**
   * The merchant adds a product to Systim, in a category the shop has; one in ten without a code
   * (the push gives it `SYSTIM-<id>`). Through the sandbox's control route where it has one
   * (`POST /__sandbox/systim/products`: outside the API, as Systim's own panel), else through
   * Systim's API (`addProduct`).
   */
  async addProduct() {
    const n = this.added.length + 1;
    const codeless = this.rng.chance(0.1);
    const code = codeless ? "" : `SOAK-${this.seed}-${n}`;
    const gross = 990 + this.rng.below(19_000); // grosze
    const quantity = this.rng.below(30);
    const category = SYSTIM_CATEGORIES[this.rng.below(SYSTIM_CATEGORIES.length)];
    const name = `Produkt z soaku ${this.seed}/${n}`;
    let id = null;
    if (this.productsRoute !== false) {
      try {
        const spec = { name, code, price_gross: (gross / 100).toFixed(2), vat_id: 1, category_id: category, quantity: String(quantity), unit: "szt." };
        id = (await this.sandbox.call("POST", "/systim/products", spec)).ids[0];
        this.productsRoute = true;
      } catch (e) {
        if (this.productsRoute || !/unknown control route/.test(e.message)) throw e;
        this.productsRoute = false;
      }
    }
    if (id === null) {
      id = await this.systim("addProduct", {
        nazwa: name,
        kod_produktu: code,
        cena_brutto: (gross / 100).toFixed(2),
        cena_netto: (Math.round(gross / 1.23) / 100).toFixed(2),
        id_kategorii: String(category),
        stawka_vat: "1",
        rodzaj: "0",
        ukryty: "0",
        jednostka: "szt.",
        ilosc: String(quantity),
      });
    }
    const systimId = Number(id);
    this.changes.quantities.push([systimId, Date.now(), quantity * 1000]);
    this.latestQuantity.set(systimId, quantity * 1000);
    this.added.push({ systim_id: systimId, code: code || `SYSTIM-${systimId}` });
  }

  /**
   * Now and then, in the middle of the next run: Shoper tokens expire, the merchant logs into
   * Systim (its API tokens die), or another app eats the shop's rate limit (at once). Gives back
   * `{atCall, route}` (a control route called just before the run's `atCall`-th request), or null.
   */
  async disturb() {
    const atCall = 1 + this.rng.below(60);
    switch (this.rng.below(20)) {
      case 0:
        this.disturbances += 1;
        return { atCall, route: "/shoper/expire-tokens" };
      case 1:
        this.disturbances += 1;
        return { atCall, route: "/systim/kill-tokens" };
      case 2: {
        const count = 3 + this.rng.below(6);
        await this.sandbox.faults({ rules: [{ service: "shoper", kind: "http429", count, matching: "" }] });
        this.disturbances += 1;
        return null;
      }
      default:
        return null;
    }
  }

  // --- the services' own APIs, as the merchant's other tools use them -------------------------

  async shopRest(method, path, body) {
    const { shoper, shoper_token: token } = this.sandbox.info;
    for (let attempt = 0; ; attempt++) {
      this.apiCalls += 1;
      const response = await fetch(`${shoper}/webapi/rest/${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      if (response.ok) return JSON.parse(text);
      if (attempt >= 20) throw new Error(`shop ${method} ${path}: ${response.status} ${text}`);
      await new Promise((r) => setTimeout(r, 1000 * Number(response.headers.get("retry-after") ?? 1)));
    }
  }

  async systim(act, fields) {
    const { systim, systim_login: login, systim_key: key } = this.sandbox.info;
    for (let attempt = 0; ; attempt++) {
      if (!this.systimToken) {
        this.systimToken = (await this.systimForm(systim, { act: "login", login, pass: key })).token;
      }
      try {
        return await this.systimForm(systim, { act, token: this.systimToken, ...fields });
      } catch (e) {
        if (e.code !== 13 || attempt >= 2) throw e;
        this.systimToken = null; // a web login killed the token: log in again
      }
    }
  }

  async systimForm(base, fields) {
    this.apiCalls += 1;
    const response = await fetch(`${base}/jsonAPI.php`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields).toString(),
    });
    const answer = await response.json();
    if (Number(answer?.error?.code) !== 0) {
      const e = new Error(`Systim ${fields.act}: ${JSON.stringify(answer?.error)}`);
      e.code = Number(answer?.error?.code);
      throw e;
    }
    return answer.result;
  }
}
