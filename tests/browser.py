"""Debian's chromium, headless, for tests that must see a page the way a person's browser does.

Pages are checked in a real browser because what matters is what it shows and prints:
escaping, inline SVG and the form's script all depend on how HTML is parsed, which
string matching on the server's output cannot tell.
"""

from __future__ import annotations

import html
import re
import struct
import subprocess
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
WINDOW = (1200, 1600)


def chromium() -> Path:
    """The browser (`make test` installs it); skips the calling test, saying why, when it is missing."""
    if not CHROMIUM.exists():
        pytest.skip("chromium is not installed: `make test` installs it as root (apt-get install chromium)")
    return CHROMIUM


@dataclass(frozen=True)
class Browser:
    executable: Path
    scratch: Path
    """Each run gets a fresh profile directory in here, so runs never share browser state."""

    def _run(self, *args: str) -> str:
        profile = tempfile.mkdtemp(dir=self.scratch)
        done = subprocess.run(
            [str(self.executable), *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    def dom(self, page: Path, *flags: str) -> str:
        """The document as the browser holds it after parsing and running the page's scripts."""
        return self._run(*flags, "--dump-dom", page.as_uri())

    def screenshot(self, page: Path, png: Path) -> bytes:
        self._run(f"--screenshot={png}", f"--window-size={WINDOW[0]},{WINDOW[1]}", page.as_uri())
        return png.read_bytes()

    def pdf(self, page: Path, pdf: Path) -> bytes:
        """The page as the browser prints it, with its print styles and without the browser's header and footer."""
        self._run(f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri())
        return pdf.read_bytes()


def visible_text(document: str) -> str:
    """Text of a serialised document with tags dropped and whitespace collapsed, as a reader sees it."""
    body = re.sub(r"<(script|style|title)\b.*?</\1>", " ", document, flags=re.DOTALL | re.IGNORECASE)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@dataclass(frozen=True)
class Png:
    width: int
    height: int
    rows: list[bytes]
    """Each scanline as stored (filter byte, then the filtered pixels)."""

    def distinct_rows(self) -> int:
        """A blank page stores at most a couple of distinct scanlines; text and charts make hundreds."""
        return len(set(self.rows))


def read_png(data: bytes) -> Png:
    """Decode a PNG's header and image data with the standard library, checking it is whole."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    position, image, header = 8, b"", None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        assert zlib.crc32(kind + body) == struct.unpack(">I", data[position + 8 + length : position + 12 + length])[0]
        position += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            image += body
        elif kind == b"IEND":
            break
    assert header is not None, "no IHDR chunk"
    width, height, depth, colour, _, _, interlace = header
    assert depth == 8 and colour in (2, 6) and interlace == 0, f"unexpected PNG format {header}"
    stride = 1 + width * (3 if colour == 2 else 4)
    pixels = zlib.decompress(image)
    assert len(pixels) == stride * height, "image data does not match the header"
    return Png(width, height, [pixels[i : i + stride] for i in range(0, len(pixels), stride)])
