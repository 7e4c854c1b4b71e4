// The PDF of an order's sales document (issue #16), opened from the admin panel's badge. The page
// is the extension's own (document.html?order=<id>): it asks the background for the PDF
// (`documentPdf`, docs/messages.md), which fetches it from Systim with the stored keys; the shop's
// page never sees it. The PDF is shown from a blob: URL of this page and offered for download.
import { t, send, errorOf, localize } from "./ui.js";

const $ = (id) => document.getElementById(id);

localize();
show();

async function show() {
  const order = new URLSearchParams(location.search).get("order") ?? "";
  const state = $("state");
  if (!/^[1-9][0-9]{0,15}$/.test(order)) {
    state.textContent = t("doc_no_order");
    document.documentElement.dataset.ready = "error";
    return;
  }
  $("title").textContent = `${t("doc_title")} — ${t("doc_order", order)}`;
  state.textContent = t("doc_loading");
  let answer;
  try {
    answer = await send({ type: "documentPdf", orderId: Number(order) });
  } catch {
    answer = null;
  }
  if (!answer?.ok || !answer.pdf?.base64) {
    state.textContent = answer ? errorOf(answer) : t("doc_failed");
    document.documentElement.dataset.ready = "error";
    return;
  }
  const bytes = Uint8Array.from(atob(answer.pdf.base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/pdf" }));
  document.title = `${answer.number} — ${t("doc_title")}`;
  $("title").textContent = `${answer.number} — ${t("doc_order", order)}`;
  const download = $("download");
  download.href = url;
  download.download = answer.pdf.name;
  download.hidden = false;
  const frame = $("pdf");
  frame.src = url;
  frame.hidden = false;
  state.hidden = true;
  document.documentElement.dataset.ready = "1";
}
