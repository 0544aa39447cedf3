// A stand-in for https://telegram.org/js/telegram-web-app.js, served by the sandbox at
// /telegram-web-app.js (the machine may be offline). It reads the launch data from the URL
// fragment as Telegram passes it (#tgWebAppData=...) and talks to the parent page with the same
// postMessage protocol as the real script, so the sandbox page works with either.
(function () {
  "use strict";
  if (window.Telegram && window.Telegram.WebApp) return;

  const STORE = "__sandboxWebAppParams";
  let params = new URLSearchParams(location.hash.slice(1));
  if (params.has("tgWebAppData")) {
    sessionStorage.setItem(STORE, location.hash.slice(1));
  } else {
    params = new URLSearchParams(sessionStorage.getItem(STORE) || "");
  }
  const initData = params.get("tgWebAppData") || "";
  const initDataUnsafe = {};
  for (const [key, value] of new URLSearchParams(initData)) {
    const json = /^[[{]/.test(value);
    initDataUnsafe[key] = json ? JSON.parse(value) : value;
  }
  let themeParams = {};
  try {
    themeParams = JSON.parse(params.get("tgWebAppThemeParams") || "{}");
  } catch (error) {
    themeParams = {};
  }

  const inFrame = window.parent !== window;
  function postEvent(eventType, eventData) {
    if (inFrame) {
      window.parent.postMessage(JSON.stringify({ eventType, eventData: eventData || "" }), "*");
    }
  }

  const handlers = {};
  function onEvent(type, callback) {
    (handlers[type] = handlers[type] || []).push(callback);
  }
  function offEvent(type, callback) {
    handlers[type] = (handlers[type] || []).filter((h) => h !== callback);
  }
  function emit(type, data) {
    for (const handler of handlers[type] || []) handler.call(WebApp, data);
  }

  let popupCallback = null;
  let scanCallback = null;

  function receiveEvent(type, data) {
    if (type === "main_button_pressed") emit("mainButtonClicked");
    else if (type === "back_button_pressed") emit("backButtonClicked");
    else if (type === "theme_changed") {
      themeParams = data.theme_params || themeParams;
      WebApp.themeParams = themeParams;
      emit("themeChanged");
    } else if (type === "viewport_changed") {
      WebApp.viewportHeight = data.height;
      emit("viewportChanged", { isStateStable: !!data.is_state_stable });
    } else if (type === "qr_text_received") {
      emit("qrTextReceived", { data: data.data });
      if (scanCallback && scanCallback(data.data) === true) WebApp.closeScanQrPopup();
    } else if (type === "scan_qr_popup_closed") {
      scanCallback = null;
      emit("scanQrPopupClosed");
    } else if (type === "popup_closed") {
      const callback = popupCallback;
      popupCallback = null;
      emit("popupClosed", { button_id: data.button_id || null });
      if (callback) callback(data.button_id || null);
    }
  }
  if (inFrame) {
    window.addEventListener("message", (event) => {
      if (event.source !== window.parent) return;
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && message.eventType) receiveEvent(message.eventType, message.eventData || {});
    });
  }

  function bottomButton(eventType, defaults) {
    const state = { text: defaults.text, color: themeParams.button_color || "#3390ec",
      text_color: themeParams.button_text_color || "#ffffff", is_visible: false,
      is_active: true, is_progress_visible: false };
    const button = {
      get text() { return state.text; },
      get isVisible() { return state.is_visible; },
      get isActive() { return state.is_active; },
      get isProgressVisible() { return state.is_progress_visible; },
      setParams(changes) {
        if ("text" in changes) state.text = String(changes.text);
        if ("color" in changes) state.color = changes.color;
        if ("text_color" in changes) state.text_color = changes.text_color;
        if ("is_visible" in changes) state.is_visible = !!changes.is_visible;
        if ("is_active" in changes) state.is_active = !!changes.is_active;
        postEvent(eventType, { ...state });
        return button;
      },
      setText: (text) => button.setParams({ text }),
      show: () => button.setParams({ is_visible: true }),
      hide: () => button.setParams({ is_visible: false }),
      enable: () => button.setParams({ is_active: true }),
      disable: () => button.setParams({ is_active: false }),
      showProgress() { state.is_progress_visible = true; return button.setParams({}); },
      hideProgress() { state.is_progress_visible = false; return button.setParams({}); },
      onClick(callback) { onEvent(defaults.event, callback); return button; },
      offClick(callback) { offEvent(defaults.event, callback); return button; },
    };
    return button;
  }

  const backButton = { isVisible: false };
  Object.assign(backButton, {
    show() { backButton.isVisible = true; postEvent("web_app_setup_back_button", { is_visible: true }); return backButton; },
    hide() { backButton.isVisible = false; postEvent("web_app_setup_back_button", { is_visible: false }); return backButton; },
    onClick(callback) { onEvent("backButtonClicked", callback); return backButton; },
    offClick(callback) { offEvent("backButtonClicked", callback); return backButton; },
  });

  const haptic = {};
  for (const name of ["impactOccurred", "notificationOccurred", "selectionChanged"]) {
    haptic[name] = () => haptic;
  }

  const WebApp = {
    initData,
    initDataUnsafe,
    version: params.get("tgWebAppVersion") || "8.0",
    platform: params.get("tgWebAppPlatform") || "web",
    colorScheme: "light",
    themeParams,
    isExpanded: true,
    viewportHeight: window.innerHeight,
    viewportStableHeight: window.innerHeight,
    isClosingConfirmationEnabled: false,
    headerColor: themeParams.bg_color,
    backgroundColor: themeParams.bg_color,
    MainButton: bottomButton("web_app_setup_main_button", { text: "CONTINUE", event: "mainButtonClicked" }),
    BackButton: backButton,
    HapticFeedback: haptic,
    isVersionAtLeast(version) {
      const a = String(WebApp.version).split(".").map(Number);
      const b = String(version).split(".").map(Number);
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if ((a[i] || 0) !== (b[i] || 0)) return (a[i] || 0) > (b[i] || 0);
      }
      return true;
    },
    onEvent,
    offEvent,
    ready() { postEvent("web_app_ready"); },
    expand() { postEvent("web_app_expand"); },
    close() { postEvent("web_app_close"); },
    sendData(data) { postEvent("web_app_data_send", { data: String(data) }); },
    enableClosingConfirmation() { WebApp.isClosingConfirmationEnabled = true; },
    disableClosingConfirmation() { WebApp.isClosingConfirmationEnabled = false; },
    setHeaderColor(color) { WebApp.headerColor = color; },
    setBackgroundColor(color) { WebApp.backgroundColor = color; },
    openLink(url) { postEvent("web_app_open_link", { url: String(url) }); },
    openTelegramLink(url) {
      const link = new URL(url, "https://t.me");
      postEvent("web_app_open_tg_link", { path_full: link.pathname + link.search });
    },
    showPopup(popup, callback) {
      popupCallback = callback || null;
      postEvent("web_app_open_popup", {
        title: popup.title || "", message: String(popup.message || ""),
        buttons: popup.buttons || [{ id: "", type: "close" }],
      });
    },
    showAlert(message, callback) {
      WebApp.showPopup({ message, buttons: [{ id: "", type: "close" }] },
        callback ? () => callback() : null);
    },
    showConfirm(message, callback) {
      WebApp.showPopup({ message, buttons: [{ id: "ok", type: "ok" }, { id: "", type: "cancel" }] },
        callback ? (id) => callback(id === "ok") : null);
    },
    showScanQrPopup(popup, callback) {
      scanCallback = callback || null;
      postEvent("web_app_open_scan_qr_popup", { text: (popup && popup.text) || "" });
    },
    closeScanQrPopup() {
      scanCallback = null;
      postEvent("web_app_close_scan_qr_popup");
    },
  };

  window.Telegram = window.Telegram || {};
  window.Telegram.WebApp = WebApp;
  window.Telegram.WebView = { initParams: Object.fromEntries(params), postEvent, receiveEvent, onEvent, offEvent };
})();
