// Small loopback servers the security tests put in the extension's way: a trap that records
// whatever reaches it, a server that answers everything with a redirect, and the sandbox's shop
// behind a pass-through whose admin pages are the test's own (a hostile page at the shop's
// admin URL). All on 127.0.0.1 with a free port; each has `url`, `requests` and `close()`.
import http from "node:http";

async function listen(handler) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const request = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      requests.push(request);
      handler(request, res, req);
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(resolve);
        server.closeAllConnections();
      }),
  };
}

/** Records every request and answers 404: nothing of ours may ever reach it. */
export const trapServer = () =>
  listen((_request, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("trap");
  });

/**
 * Answers every request with `redirect.status` and `Location: redirect.to + path` (change
 * `redirect` between tests). CORS headers as the sandbox sends them, so that a browser which
 * followed would have nothing stopping it.
 */
export async function redirectServer(redirect) {
  return listen((request, res) => {
    res.writeHead(redirect.status, {
      location: `${redirect.to}${request.url}`,
      "access-control-allow-origin": "*",
      "access-control-allow-headers": "*",
      "access-control-allow-methods": "*",
      "content-type": "text/plain",
    });
    res.end("moved");
  });
}

/**
 * The sandbox's shop behind a pass-through, except its admin pages (`/admin…`, also
 * `/administrator`): those are `page(path)`'s HTML — a page the test wrote, at the shop's admin
 * address, where the content script runs.
 */
export async function shopWithPages(sandbox, page) {
  const target = new URL(sandbox.info.shoper);
  return listen((request, res, req) => {
    const path = request.url.split("?")[0];
    if (request.method === "GET" && /^\/admin/.test(path)) {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(page(path));
      return;
    }
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: request.url, method: request.method, headers: { ...req.headers, host: target.host } },
      (answer) => {
        res.writeHead(answer.statusCode, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    upstream.end(request.body);
  });
}
