"""The QR card image: a PNG whose pixels are exactly the QR modules of the card link.

No QR decoder is installed (zxing-cpp, pyzbar), so the image is checked against the module matrix
that `qrcode` computes for the same text: every module's box must be uniformly dark or light as
the matrix says. A decoder, when available, additionally proves the round trip.
"""

import importlib.util
import io
from datetime import UTC, datetime

import pytest
from PIL import Image

from bot.adapters.qr import BORDER, BOX_SIZE, card_qr_matrix, render_card_qr
from bot.domain.card_token import CARD_START_PREFIX, issue_card_token

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _card_url() -> str:
    token = issue_card_token(123456, datetime(2025, 3, 14, tzinfo=UTC), b"qr-test-secret")
    return f"https://t.me/loyalty_demo_bot?start={CARD_START_PREFIX}{token}"


def _dark_pixels(png: bytes) -> tuple[Image.Image, list[list[bool]]]:
    image = Image.open(io.BytesIO(png))
    image.load()
    gray = image.convert("L")
    width, height = gray.size
    pixels = gray.load()
    assert pixels is not None
    return image, [[pixels[x, y] < 128 for x in range(width)] for y in range(height)]


def test_card_png_pixels_are_the_qr_modules_of_the_url() -> None:
    url = _card_url()
    png = render_card_qr(url)
    assert png.startswith(PNG_SIGNATURE)

    image, dark = _dark_pixels(png)
    assert image.format == "PNG"
    matrix = card_qr_matrix(url)
    modules = len(matrix)
    assert image.size == (modules * BOX_SIZE, modules * BOX_SIZE)
    for row in range(modules):
        for col in range(modules):
            box = {
                dark[row * BOX_SIZE + dy][col * BOX_SIZE + dx]
                for dy in range(BOX_SIZE)
                for dx in range(BOX_SIZE)
            }
            assert box == {matrix[row][col]}, (row, col)


def test_card_qr_has_a_quiet_zone_and_a_version_for_its_length() -> None:
    matrix = card_qr_matrix(_card_url())
    modules = len(matrix)
    symbol = modules - 2 * BORDER
    assert (symbol - 17) % 4 == 0  # a QR symbol of version v is 17 + 4v modules wide
    assert (symbol - 17) // 4 <= 5  # a card link stays small enough for a phone camera
    for i in range(BORDER):
        assert not any(matrix[i]) and not any(matrix[-1 - i])
        assert not any(row[i] or row[-1 - i] for row in matrix)
    # The finder pattern's dark outer ring sits right inside the quiet zone, top left.
    assert all(matrix[BORDER][BORDER : BORDER + 7])


def test_different_urls_give_different_images() -> None:
    assert render_card_qr(_card_url()) != render_card_qr(_card_url() + "x")


def test_empty_url_is_refused() -> None:
    with pytest.raises(ValueError):
        render_card_qr("")


@pytest.mark.skipif(importlib.util.find_spec("zxingcpp") is None, reason="zxing-cpp not installed")
def test_card_png_decodes_back_to_the_url() -> None:
    import zxingcpp

    url = _card_url()
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(render_card_qr(url))))
    assert [result.text for result in results] == [url]
