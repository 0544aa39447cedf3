// The staff scanner. Plain JavaScript, no build step. Every call sends the launch data
// (Telegram.WebApp.initData) as `Authorization: tma <initData>`; the server checks it and decides
// who is acting. Texts come from the server in the staff member's language (locales/*/miniapp.ftl).
(function () {
  "use strict";

  const tg = (window.Telegram && window.Telegram.WebApp) || null;
  const CARD_LINK = /[?&]start=c_[A-Za-z0-9_-]+|^c_[A-Za-z0-9_-]+$/;
  const $ = (id) => document.getElementById(id);
  let texts = {};
  let scanId = null;
  let busy = false;

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || "HTTP " + status);
      this.status = status;
      this.code = (body && body.error) || "http-" + status;
    }
  }

  async function api(path, body) {
    const options = {
      method: body === undefined ? "GET" : "POST",
      headers: { Authorization: "tma " + ((tg && tg.initData) || "") },
    };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch("/miniapp/api/" + path, options);
    let data = null;
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
    if (!response.ok) throw new ApiError(response.status, data);
    return data;
  }

  function show(screen) {
    for (const name of ["scan", "card", "done"]) $("screen-" + name).hidden = name !== screen;
    document.body.dataset.screen = screen;
  }

  function status(text) {
    $("status").textContent = text || "";
  }

  function fail(error) {
    const box = $("error");
    box.textContent = error.message;
    box.dataset.code = error.code || "";
    box.hidden = false;
    if (tg && tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("error");
  }

  function clearError() {
    $("error").hidden = true;
    $("error").textContent = "";
  }

  function applyTexts() {
    for (const node of document.querySelectorAll("[data-text]")) {
      node.textContent = texts[node.dataset.text] || "";
    }
    document.title = texts.title || document.title;
  }

  async function run(task) {
    if (busy) return;
    busy = true;
    clearError();
    status(texts.loading);
    for (const button of document.querySelectorAll("button")) button.disabled = true;
    try {
      await task();
    } catch (error) {
      fail(error);
      if (error.code === "scan-closed") show("scan");
    } finally {
      busy = false;
      status("");
      for (const button of document.querySelectorAll("button")) button.disabled = false;
      $("scan").disabled = !canScan();
    }
  }

  function canScan() {
    return !!(tg && tg.showScanQrPopup && tg.isVersionAtLeast && tg.isVersionAtLeast("6.4"));
  }

  function showCard(card) {
    scanId = card.scan_id;
    $("card-name").textContent = card.name;
    $("card-tier").textContent = card.tier.name;
    $("card-balance").textContent = card.balance_text;
    $("amount").value = "";
    $("receipt").value = "";
    show("card");
    $("amount").focus();
  }

  function openScanner() {
    if (!canScan()) return;
    clearError();
    tg.showScanQrPopup({ text: texts["scan-hint"] }, (text) => {
      if (!CARD_LINK.test(text || "")) return false; // not a card: keep the camera open
      run(async () => showCard(await api("scan", { qr: text })));
      return true; // close the popup
    });
  }

  async function start() {
    if (tg) {
      tg.ready();
      tg.expand();
    }
    const setup = await api("me");
    texts = setup.texts;
    applyTexts();
    const select = $("category");
    select.replaceChildren();
    for (const category of setup.categories) {
      const option = document.createElement("option");
      option.value = category.code;
      option.textContent = category.name;
      select.append(option);
    }
    select.hidden = $("category-label").hidden = setup.categories.length === 0;
    if (!canScan()) $("scan-hint").textContent = texts["scan-unavailable"];
    show("scan");
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("scan").addEventListener("click", openScanner);
    $("lookup-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const code = $("code").value.trim();
      if (code) run(async () => showCard(await api("lookup", { code })));
    });
    $("purchase-form").addEventListener("submit", (event) => {
      event.preventDefault();
      run(async () => {
        const body = {
          scan_id: scanId,
          amount: $("amount").value,
          category: $("category").hidden ? null : $("category").value,
          receipt: $("receipt").value.trim() || null,
        };
        const result = await api("purchase", body);
        $("done-message").textContent = result.message;
        show("done");
        if (tg && tg.HapticFeedback) tg.HapticFeedback.notificationOccurred("success");
      });
    });
    $("cancel").addEventListener("click", () => {
      clearError();
      show("scan");
    });
    $("next").addEventListener("click", () => {
      $("code").value = "";
      show("scan");
    });
    run(start);
  });
})();
