"""QR card images: the card's deep link as a PNG to send as a photo.

Error correction M (15 % of the code may be lost) tolerates a cracked phone screen or glare without
growing the code much; a card link (`https://t.me/<bot>?start=c_<40 chars>`, 67-94 characters
for a 5-32 character bot username) fits version 4 or 5 (33-37 modules). The 4-module quiet zone is
the minimum the QR specification asks for; 10 px per module gives a 410-450 px image that phone
cameras read from a screen at arm's length.
"""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage

BOX_SIZE = 10
BORDER = 4


def card_qr_matrix(url: str) -> list[list[bool]]:
    """The QR modules for `url`, quiet zone included (True = dark); what `render_card_qr` draws."""
    return _build(url).get_matrix()  # type: ignore[no-any-return]


def render_card_qr(url: str) -> bytes:
    """A PNG of the QR code for `url`: black modules on white, BOX_SIZE px each."""
    image = _build(url).make_image(image_factory=PilImage)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _build(url: str) -> qrcode.QRCode:
    if not url:
        raise ValueError("nothing to encode")
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=BOX_SIZE, border=BORDER)
    code.add_data(url)
    code.make(fit=True)
    return code
