// The sandbox (tests/sandbox): a loopback Shoper shop and Systim account in one process, and its
// control API under /__sandbox/ (see tests/sandbox/src/control.rs).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import fs from "node:fs";
import { paths } from "./paths.mjs";

/**
 * Starts `target/release/sandbox` on free ports and resolves once it printed its first line
 * (URLs and credentials). `sandbox.info` is that line; `sandbox.stop()` ends the process.
 */
export async function startSandbox({ scenario = "demo", systimProfile = null } = {}) {
  if (!fs.existsSync(paths.sandboxBin)) {
    throw new Error(`${paths.sandboxBin} is missing: cargo build -p sandbox --release --bin sandbox`);
  }
  // No profile: the sandbox's default (strict: Systim as public code shows it).
  const profile = systimProfile ? ["--systim-profile", systimProfile] : [];
  const child = spawn(paths.sandboxBin, ["--scenario", scenario, "--shoper-port", "0", "--systim-port", "0", ...profile], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const firstLine = await new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`the sandbox exited (${code}): ${stderr}`)));
  });
  const sandbox = new SandboxControl(JSON.parse(firstLine));
  sandbox.stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return sandbox;
}

/** Control API calls against a running sandbox (`info` is its first line). */
export class SandboxControl {
  constructor(info) {
    this.info = info;
  }

  async call(method, route, body) {
    const response = await fetch(`${this.info.control}${route}`, {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) throw new Error(`sandbox ${method} ${route}: ${answer.error ?? response.status}`);
    return answer;
  }

  state() {
    return this.call("GET", "/state");
  }

  reset(scenario = this.info.scenario) {
    return this.call("POST", "/reset", { scenario });
  }

  /** A storefront order (origin 0); resolves to its Shoper order id. */
  async placeOrder(spec) {
    return (await this.call("POST", "/orders", spec)).order_id;
  }

  shoperConfig(knobs) {
    return this.call("POST", "/shoper/config", knobs);
  }

  systimConfig(knobs) {
    return this.call("POST", "/systim/config", knobs);
  }

  faults(body) {
    return this.call("POST", "/faults", body);
  }

  clearFaults() {
    return this.call("DELETE", "/faults");
  }

  log(since = 0) {
    return this.call("GET", `/log?since=${since}`);
  }

  /**
   * Sets a Shoper order's status through the shop's own REST API, as the merchant's panel does.
   * The shop's rate limit counts these calls too: a 429 (the extension's run just spent the
   * bucket) is waited out as Shoper asks (`Retry-After`), as any client must.
   */
  async setOrderStatus(orderId, statusId) {
    const i = this.info;
    const patient = async (url, init) => {
      for (let attempt = 0; ; attempt++) {
        const answer = await fetch(url, init);
        if (answer.status !== 429 || attempt >= 20) return answer;
        const wait = Number(answer.headers.get("retry-after"));
        await new Promise((resolve) => setTimeout(resolve, (Number.isFinite(wait) && wait > 0 ? wait : 1) * 1000));
      }
    };
    const auth = await patient(`${i.shoper}/webapi/rest/auth`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from(`${i.shoper_login}:${i.shoper_password}`).toString("base64")}` },
    });
    const { access_token: token } = await auth.json();
    const put = await patient(`${i.shoper}/webapi/rest/orders/${orderId}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ status_id: statusId }),
    });
    if (!put.ok) throw new Error(`sandbox: status of order ${orderId}: HTTP ${put.status}`);
  }

  /** The connection form's values for this sandbox (WebAPI user, or the static token). */
  connection({ auth = "user" } = {}) {
    const i = this.info;
    return {
      shopUrl: i.shoper,
      shoperAuth: auth,
      shoperLogin: auth === "user" ? i.shoper_login : "",
      shoperPassword: auth === "user" ? i.shoper_password : "",
      shoperToken: auth === "token" ? i.shoper_token : "",
      systimAccount: i.systim,
      systimLogin: i.systim_login,
      systimKey: i.systim_key,
    };
  }

  /** Every secret of this sandbox (for "keys never reach a page" checks). */
  secrets() {
    const i = this.info;
    return [i.shoper_password, i.shoper_token, i.systim_key];
  }
}

// --- reading the state ------------------------------------------------------------------------

/** `Shoper <id> @ <host>` at the start of a Systim order's notes (src/plan/orders.rs). */
const MARKER = /^\s*Shoper (\d+) @ (\S+)/;

/** Shoper order ids that reached Systim (by the import marker), each with its Systim orders. */
export function importedOrders(state) {
  const byShopId = new Map();
  for (const order of state.systim.orders) {
    const m = String(order.uwagi ?? "").match(MARKER);
    if (!m) continue;
    const id = Number(m[1]);
    byShopId.set(id, [...(byShopId.get(id) ?? []), order]);
  }
  return byShopId;
}

/** The Systim id of the product with this exact code (e.g. `DOSTAWA`). */
export function systimProductId(state, code) {
  const found = state.systim.products.filter((p) => p.kod_produktu === code);
  if (found.length !== 1) throw new Error(`${found.length} Systim products with code ${code}`);
  return found[0].id;
}

/** Shoper products by code (exact, as stored), `[{product_id, code, stock, …}]`. */
export function shoperProductsByCode(state, code) {
  return state.shoper.products.filter((p) => p.code === code);
}

/** `"123.45"` (or a number) → 12345: a Shoper amount in grosze, without floating point. */
export function grosze(amount) {
  const [whole, frac = ""] = String(amount).trim().split(".");
  const sign = whole.startsWith("-") ? -1 : 1;
  return sign * (Math.abs(Number(whole)) * 100 + Number((frac + "00").slice(0, 2)));
}

/** Sales documents in Systim for a Shoper order (by the order's marker in their notes). */
export const documentsOf = (state, orderId) => (state.systim.invoices ?? []).filter((d) => MARKER.exec(d.uwagi ?? "")?.[1] === String(orderId));
