"""The Mini App page in headless Chromium (Debian's `chromium`, driven by Playwright): a stubbed
`Telegram.WebApp` whose `showScanQrPopup` "reads" a card link; the cashier records a purchase,
then types a card code and records another; the database shows both."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from bot.adapters.db.models.core import Member
from bot.adapters.db.models.delivery import OutboxMessage
from bot.adapters.db.models.ledger import Purchase
from bot.bootstrap import build_web_app, card_secret
from bot.domain.card_token import card_code_for
from tests.conftest import BotUnderTest
from tests.integration.miniapp.helpers import card_link, launch
from tests.integration.staff.test_till import CASHIER, anna, card_token, hire

STAND_IN = (
    Path(__file__).resolve().parents[3] / "bot" / "sandbox" / "static" / "telegram-web-app.js"
)


def telegram_stub(init_data: str, qr_text: str) -> str:
    """`Telegram.WebApp` as the page sees it inside Telegram; the QR popup reads `qr_text` at
    once and closes when the callback answers true, as Telegram's does."""
    return f"""
    const QR = {json.dumps(qr_text)};
    window.__scanner = {{ opened: 0, closed: 0 }};
    window.Telegram = {{ WebApp: {{
      initData: {json.dumps(init_data)}, initDataUnsafe: {{}}, version: "8.0", platform: "tdesktop",
      isVersionAtLeast: () => true, ready() {{}}, expand() {{}},
      HapticFeedback: {{ notificationOccurred() {{}} }},
      showScanQrPopup(params, callback) {{
        window.__scanner.opened += 1;
        const read = () => {{ if (callback(QR) === true) this.closeScanQrPopup(); }};
        setTimeout(read, 0);
      }},
      closeScanQrPopup() {{ window.__scanner.closed += 1; }},
    }} }};
    """


async def test_a_cashier_scans_a_card_and_records_purchases_in_the_browser(
    app: BotUnderTest, browser_page: Any
) -> None:
    member = await anna(app)
    await hire(app, CASHIER)
    server = TestServer(build_web_app(app.container))
    await server.start_server()
    try:
        page = browser_page
        # The page loads telegram-web-app.js from its configured URL; offline, the sandbox's
        # stand-in answers for it (it keeps the stub below, as it keeps any existing WebApp).
        await page.route(
            "https://telegram.org/**",
            lambda route: route.fulfill(body=STAND_IN.read_text(), content_type="text/javascript"),
        )
        link = card_link(card_token(app, member.id))
        await page.add_init_script(telegram_stub(launch(app, CASHIER), link))
        await page.goto(str(server.make_url("/miniapp/")))

        await page.get_by_role("button", name="Scan QR card").click()
        await page.locator("#screen-card").wait_for(state="visible")
        assert await page.locator("#card-name").text_content() == "Anna"
        assert await page.locator("#card-balance").text_content() == "100 points"
        assert await page.evaluate("window.__scanner") == {"opened": 1, "closed": 1}
        await page.fill("#amount", "1 200,50")
        await page.select_option("#category", "coffee")
        await page.fill("#receipt", "A-1001")
        await page.get_by_role("button", name="Record purchase").click()
        await page.locator("#screen-done").wait_for(state="visible")
        assert "72 points" in (await page.locator("#done-message").text_content() or "")

        # The camera fails: the cashier types the card code; a bad amount is refused first.
        await page.get_by_role("button", name="Scan the next card").click()
        await page.fill("#code", card_code_for(member.id, card_secret(app.container.settings)))
        await page.get_by_role("button", name="Find").click()
        await page.locator("#screen-card").wait_for(state="visible")
        assert await page.locator("#card-balance").text_content() == "172 points"
        await page.fill("#amount", "450.505")
        await page.select_option("#category", "food")
        await page.get_by_role("button", name="Record purchase").click()
        await page.locator("#error").wait_for(state="visible")
        assert "two digits" in (await page.locator("#error").text_content() or "")
        await page.fill("#amount", "450")
        await page.get_by_role("button", name="Record purchase").click()
        await page.locator("#screen-done").wait_for(state="visible")
    finally:
        await server.close()

    purchases = await Purchase.filter(member_id=member.id).order_by("id")
    assert [(p.amount, p.category, p.points_earned, p.receipt_no) for p in purchases] == [
        (120_050, "coffee", 72, "A-1001"),
        (45_000, "food", 13, None),
    ]
    assert (await Member.get(id=member.id)).balance == 100 + 72 + 13
    receipts = OutboxMessage.filter(member_id=member.id, content_key="receipt-purchase")
    assert await receipts.count() == 2
