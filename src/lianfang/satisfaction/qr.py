"""QR codes of the answer page, as SVG (posters, the portal) and PNG (slips, downloads)."""

import io
import re

import qrcode
import qrcode.image.svg


def _code(url: str) -> qrcode.QRCode:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(url)
    code.make(fit=True)
    return code


def svg(url: str) -> str:
    """An SVG document of the QR code of `url` (paths only, scales to any size)."""
    image = _code(url).make_image(image_factory=qrcode.image.svg.SvgPathImage)
    text = image.to_string(encoding="unicode")
    # Fill the box it is put in (the poster's, the slip's) rather than the library's size.
    return re.sub(
        r'<svg width="[^"]*" height="[^"]*"', '<svg width="100%" height="100%"', text, count=1
    )


def png(url: str, *, box_size: int = 10) -> bytes:
    code = _code(url)
    code.box_size = box_size
    buffer = io.BytesIO()
    code.make_image().save(buffer, format="PNG")
    return buffer.getvalue()
