"""The stub telegram-web-app.js, run under Node with a fake window (skipped without Node)."""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiogram.utils.web_app import check_webapp_signature

from bot.sandbox import webapp

NODE = shutil.which("node")
STUB = Path(__file__).parents[2] / "bot" / "sandbox" / "static" / "telegram-web-app.js"
TOKEN = "42:STUB-TEST"

pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js")

# Loads the stub as a page in a Mini App frame would, drives it, and prints what it saw and
# what it posted to the parent page.
HARNESS = r"""
const fs = require("fs");
const posted = [];
const listeners = {};
const storage = {};
const parent = { postMessage: (data) => posted.push(JSON.parse(data)) };
const addEventListener = (type, cb) => { listeners[type] = cb; };
global.window = { parent, innerHeight: 700, addEventListener };
global.location = { hash: process.argv[2] };
global.sessionStorage = {
  getItem: (k) => storage[k] ?? null,
  setItem: (k, v) => { storage[k] = v; },
};
eval(fs.readFileSync(process.argv[1], "utf8"));
const fromParent = (eventType, eventData) =>
  listeners.message({ source: parent, data: JSON.stringify({ eventType, eventData }) });

const app = window.Telegram.WebApp;
const seen = { scanned: null, confirmed: null, clicks: 0 };
app.ready();
app.MainButton.setText("Pay").show();
app.MainButton.onClick(() => { seen.clicks += 1; });
fromParent("main_button_pressed", {});
app.showScanQrPopup({ text: "Scan the card" }, (text) => { seen.scanned = text; return true; });
fromParent("qr_text_received", { data: "https://t.me/sandbox42_bot?start=c_1" });
app.showConfirm("Sure?", (ok) => { seen.confirmed = ok; });
fromParent("popup_closed", { button_id: "ok" });
app.sendData("hello");
console.log(JSON.stringify({
  initData: app.initData, unsafe: app.initDataUnsafe, version: app.version,
  platform: app.platform, theme: app.themeParams, posted, ...seen,
}));
"""


def run_stub(fragment: str) -> dict:
    result = subprocess.run(
        [NODE, "-e", HARNESS, str(STUB), fragment],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return json.loads(result.stdout)


def test_the_stub_reads_signed_launch_data_and_speaks_the_parent_protocol():
    user = {"id": 1001, "is_bot": False, "first_name": "Анна", "username": "anna"}
    fields = webapp.init_data_fields(user, auth_date=1700000000, start_param="promo&x=1")
    init_data = webapp.sign_init_data(TOKEN, fields)
    fragment = "#" + urlsplit(webapp.launch_url("https://app.test/staff?x=1", init_data)).fragment

    seen = run_stub(fragment)

    assert seen["initData"] == init_data
    assert check_webapp_signature(TOKEN, seen["initData"])
    assert seen["unsafe"]["user"]["first_name"] == "Анна"
    assert seen["unsafe"]["start_param"] == "promo&x=1"
    assert (seen["version"], seen["platform"]) == (webapp.WEB_APP_VERSION, "web")
    assert seen["theme"]["button_color"] == webapp.THEME["button_color"]
    assert seen["clicks"] == 1
    assert seen["scanned"] == "https://t.me/sandbox42_bot?start=c_1"
    assert seen["confirmed"] is True
    events = [event["eventType"] for event in seen["posted"]]
    assert events == [
        "web_app_ready",
        "web_app_setup_main_button",
        "web_app_setup_main_button",
        "web_app_open_scan_qr_popup",
        "web_app_close_scan_qr_popup",
        "web_app_open_popup",
        "web_app_data_send",
    ]
    assert seen["posted"][2]["eventData"]["text"] == "Pay"
    assert seen["posted"][2]["eventData"]["is_visible"] is True
    assert seen["posted"][-1]["eventData"] == {"data": "hello"}
