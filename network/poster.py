"""The referral poster: a PNG drawn server-side with Pillow and qrcode.

Top to bottom: a band in the store's brand colour with its logo (if it has one) and its name, a
tagline, the QR code of the referral link, a call to action, the link as text, a thin brand band.

Chinese needs a CJK font. ``cjk_font_path`` looks for one on the machine (``POSTER_FONT`` in
settings, common paths, then ``fc-list :lang=zh``); with none, the poster is drawn with
Pillow's default font and Latin text only (Chinese characters are left out, and a text left
empty falls back to its English version), never with boxes and never with an error.

Nothing here touches the database: ``network.referral.referral_poster`` gathers the content.
"""

from __future__ import annotations

import functools
import io
import logging
import re
import subprocess
from dataclasses import dataclass

import qrcode
from django.conf import settings
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

logger = logging.getLogger(__name__)

# Bump when the drawing changes: cached posters carry it in their keys.
LAYOUT_VERSION = 1
POSTER_SIZE = (900, 1350)
BAND_HEIGHT = 380
FOOT_HEIGHT = 28
QR_TOP = 540
QR_AREA = 560  # the square the QR code (with its 4-module quiet zone) fits in
QR_QUIET_MODULES = 4
DEFAULT_BRAND = "#1d5fd1"  # the platform's (static/css/app.css --color-brand)
DARK = (17, 24, 39)
MUTED = (75, 85, 99)
WHITE = (255, 255, 255)
LOGO_BOX = (420, 130)
LOGO_MAX_BYTES = 5 * 1024 * 1024
LOGO_MAX_PIXELS = 25_000_000

# Used when no CJK font exists and a text has nothing Latin left in it.
LATIN_TAGLINE = "Scan to register as a buyer"
LATIN_CALL_TO_ACTION = "Scan the QR code with your phone camera"

CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Medium.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/noto/NotoSansSC-Regular.otf",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/wenquanyi/wqy-microhei/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/arphic/uming.ttc",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Medium.ttc",
    "C:/Windows/Fonts/msyh.ttc",
)
_UNSET = object()


@dataclass(frozen=True)
class PosterContent:
    link: str  # what the QR code holds and the poster prints
    store_name: str
    tagline: str
    call_to_action: str
    brand_color: str = ""  # "#rrggbb"; empty: the platform's
    logo: bytes | None = None
    latin_name: str = ""  # the name to print when no CJK font exists and the name is Chinese


# --- Fonts ---------------------------------------------------------------------------------------


def _usable(path: str) -> bool:
    try:
        ImageFont.truetype(path, 20)
    except (OSError, ValueError):
        return False
    return True


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file on this machine that draws Chinese, or None (looked up once per process)."""
    configured = getattr(settings, "POSTER_FONT", "")
    for path in (configured, *CJK_FONT_CANDIDATES):
        if path and _usable(path):
            return path
    try:
        listed = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, timeout=5, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        listed = ""
    for line in sorted(listed.splitlines()):
        path = line.strip().rstrip(":").strip()
        if path and _usable(path):
            return path
    logger.info("No CJK font found: referral posters are drawn with Latin text only.")
    return None


class _Fonts:
    def __init__(self, path: str | None):
        self.path = path

    @property
    def cjk(self) -> bool:
        return self.path is not None

    def get(self, size: int):
        if self.path:
            try:
                return ImageFont.truetype(self.path, size)
            except (OSError, ValueError):
                pass
        try:
            return ImageFont.load_default(size)
        except (OSError, ValueError, TypeError):  # a Pillow without FreeType: the bitmap font
            return ImageFont.load_default()

    def text(self, value: str, fallback: str) -> str:
        """``value`` as this font can draw it: as is with a CJK font; else its Latin part, or
        ``fallback`` when nothing Latin is left."""
        value = " ".join((value or "").split())
        if self.cjk:
            return value or fallback
        latin = " ".join("".join(ch if ord(ch) < 0x0250 else " " for ch in value).split())
        latin = latin.strip(" -·|,.;:")
        return latin or fallback


def _line_height(font) -> int:
    size = getattr(font, "size", 11)
    return int(size * 1.4)


# --- Layout helpers ------------------------------------------------------------------------------

_TOKEN = re.compile(r"[A-Za-z0-9_\-.:/?=&%#@+~]+|\s+|.")


def _wrap(draw, text: str, font, width: int, max_lines: int) -> list[str]:
    """Greedy line breaks: Latin words and URLs stay whole when they fit, CJK breaks anywhere."""
    lines: list[str] = []
    line = ""
    for token in _TOKEN.findall(text):
        candidate = line + token
        if draw.textlength(candidate, font=font) <= width:
            line = candidate
            continue
        if line.strip():
            lines.append(line.rstrip())
        line = token.lstrip()
        while line and draw.textlength(line, font=font) > width:  # a token wider than a line
            cut = len(line)
            while cut > 1 and draw.textlength(line[:cut], font=font) > width:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
    if line.strip():
        lines.append(line.rstrip())
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        while last and draw.textlength(last + "…", font=font) > width:
            last = last[:-1]
        lines[-1] = last + "…"
    return lines


def _centred(draw, lines: list[str], font, top: int, fill) -> int:
    """Draw ``lines`` centred from ``top``; returns the y below them."""
    width = POSTER_SIZE[0]
    step = _line_height(font)
    for line in lines:
        x = (width - draw.textlength(line, font=font)) / 2
        draw.text((x, top), line, font=font, fill=fill)
        top += step
    return top


def _rgb(colour: str) -> tuple[int, int, int]:
    value = colour if re.fullmatch(r"#[0-9a-fA-F]{6}", colour or "") else DEFAULT_BRAND
    return tuple(int(value[i : i + 2], 16) for i in (1, 3, 5))


def _on(colour: tuple[int, int, int]) -> tuple[int, int, int]:
    """Text colour readable on ``colour``."""
    red, green, blue = colour
    luminance = (0.299 * red + 0.587 * green + 0.114 * blue) / 255
    return DARK if luminance > 0.6 else WHITE


def _logo(data: bytes | None) -> Image.Image | None:
    """The logo scaled into LOGO_BOX, or None when it is missing, too big or not an image."""
    if not data or len(data) > LOGO_MAX_BYTES:
        return None
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > LOGO_MAX_PIXELS:
                return None
            image.load()
            logo = image.convert("RGBA")
    except (OSError, ValueError, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    logo.thumbnail(LOGO_BOX)
    return logo


# --- QR code -------------------------------------------------------------------------------------


def qr_matrix(link: str) -> list[list[bool]]:
    """The QR code of ``link`` as rows of modules (True: dark), without the quiet zone."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(link)
    code.make(fit=True)
    return code.get_matrix()


def qr_geometry(modules: int) -> tuple[int, int, int]:
    """Where a QR code of ``modules`` × ``modules`` sits on the poster: (left, top, module px)."""
    box = QR_AREA // (modules + 2 * QR_QUIET_MODULES)
    side = modules * box
    return (POSTER_SIZE[0] - side) // 2, QR_TOP + (QR_AREA - side) // 2, box


def _qr_draw(draw, link: str) -> None:
    matrix = qr_matrix(link)
    left, top, box = qr_geometry(len(matrix))
    area_left = (POSTER_SIZE[0] - QR_AREA) // 2
    draw.rectangle([area_left, QR_TOP, area_left + QR_AREA - 1, QR_TOP + QR_AREA - 1], fill=WHITE)
    for row, cells in enumerate(matrix):
        for column, dark in enumerate(cells):
            if dark:
                x, y = left + column * box, top + row * box
                draw.rectangle([x, y, x + box - 1, y + box - 1], fill=(0, 0, 0))


# --- The poster ----------------------------------------------------------------------------------


def poster_png(content: PosterContent, *, font_path=_UNSET) -> bytes:
    """The poster as PNG bytes. ``font_path``: a font file, None for Pillow's default font
    (Latin only), or unset for the CJK font of this machine if there is one."""
    fonts = _Fonts(cjk_font_path() if font_path is _UNSET else font_path)
    width, height = POSTER_SIZE
    brand = _rgb(content.brand_color)
    on_brand = _on(brand)
    image = Image.new("RGB", POSTER_SIZE, (246, 247, 249))
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 0, width - 1, BAND_HEIGHT - 1], fill=brand)
    draw.rectangle([0, height - FOOT_HEIGHT, width - 1, height - 1], fill=brand)

    name_font = fonts.get(60)
    name = fonts.text(content.store_name, content.latin_name or "Store")
    name_lines = _wrap(draw, name, name_font, width - 120, max_lines=2)
    logo = _logo(content.logo)
    name_height = len(name_lines) * _line_height(name_font)
    if logo is not None:
        block = logo.height + 36 + name_height
        top = (BAND_HEIGHT - block) // 2
        image.paste(logo, ((width - logo.width) // 2, top), logo)
        top += logo.height + 36
    else:
        top = (BAND_HEIGHT - name_height) // 2
    _centred(draw, name_lines, name_font, top, on_brand)

    tagline_font = fonts.get(38)
    tagline = fonts.text(content.tagline, LATIN_TAGLINE)
    _centred(draw, _wrap(draw, tagline, tagline_font, width - 120, 2), tagline_font, 420, DARK)

    _qr_draw(draw, content.link)

    cta_font = fonts.get(30)
    cta = fonts.text(content.call_to_action, LATIN_CALL_TO_ACTION)
    below = _centred(
        draw, _wrap(draw, cta, cta_font, width - 120, 2), cta_font, QR_TOP + QR_AREA + 36, DARK
    )
    link_font = fonts.get(24)
    _centred(
        draw, _wrap(draw, content.link, link_font, width - 100, 2), link_font, below + 16, MUTED
    )

    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
