"""Debian's chromium, headless, for tests that must see a page the way a person's browser does.

Pages are checked in a real browser because what matters is what it shows and prints:
escaping, inline SVG and the form's script all depend on how HTML is parsed, which
string matching on the server's output cannot tell.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import html
import json
import os
import re
import select
import signal
import struct
import subprocess
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

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

    def devtools(self) -> DevTools:
        """A browser to talk to while it runs, for what a one-shot run cannot show: frames, fetches, the console."""
        return DevTools(self.executable, self.scratch)


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


COMMAND_TIMEOUT = 10.0
"""How long one DevTools command may take: the pages under test are local and small, so a slower answer is a hang."""
LOAD_TIMEOUT = 30.0
"""How long a navigation may take to reach its load event, counted apart because it waits on the page's servers."""
EXIT_TIMEOUT = 5.0
"""How long the browser gets to quit on Browser.close before its whole process group is killed."""

Message = dict[str, Any]


class DevTools:
    """One running chromium driven over the DevTools protocol on a pipe, for tests that watch a page as it runs.

    The pipe (``--remote-debugging-pipe``: commands in on fd 3, replies and events out on fd 4, each JSON message
    ended by a NUL byte) needs no port, so parallel runs cannot collide and no other local process can drive the
    browser, and it needs nothing outside the standard library. Every read has a deadline and ``close`` kills
    what does not quit, so a page or browser that stops answering fails the test instead of hanging it.
    """

    def __init__(self, executable: Path, scratch: Path) -> None:
        self.executable = executable
        self.scratch = scratch
        self.events: list[Message] = []
        """Every event read so far, in order, as sent (``method``, ``params``, and ``sessionId`` for a page's):
        commands are answered in between events, so the events are kept for the test to look at afterwards."""
        self.version: Message = {}
        self._pid: int | None = None
        self._commands = -1
        self._replies = -1
        self._buffer = bytearray()
        self._last_id = 0
        self._log: Path | None = None

    def __enter__(self) -> Self:
        run = Path(tempfile.mkdtemp(dir=self.scratch))
        self._log = run / "chromium.log"
        self._spawn(run / "profile")
        try:
            self.version = self.send("Browser.getVersion")
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def _spawn(self, profile: Path) -> None:
        """Starts the browser with the pipe's ends on fds 3 and 4, where chromium looks for them.

        ``subprocess`` can only pass a descriptor under the number it already has, and a ``preexec_fn`` that
        moves it is unsafe once the test runs threads (its servers), so ``posix_spawn`` does the moving. The
        ends are first lifted to 5 or above so neither move can overwrite the other or be a no-op that leaves
        close-on-exec set. ``setsid`` puts the browser's helpers in a process group of their own, for ``close``.
        """
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()
        child_in = fcntl.fcntl(commands_read, fcntl.F_DUPFD_CLOEXEC, 5)
        child_out = fcntl.fcntl(replies_write, fcntl.F_DUPFD_CLOEXEC, 5)
        os.close(commands_read)
        os.close(replies_write)
        os.set_blocking(self._commands, False)
        os.set_blocking(self._replies, False)
        argv = [
            str(self.executable),
            *FLAGS,
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            f"--window-size={WINDOW[0]},{WINDOW[1]}",
            "about:blank",
        ]
        try:
            self._pid = os.posix_spawn(
                str(self.executable),
                argv,
                os.environ,
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_OPEN, 1, str(self._log), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600),
                    (os.POSIX_SPAWN_DUP2, 1, 2),
                    (os.POSIX_SPAWN_DUP2, child_in, 3),
                    (os.POSIX_SPAWN_DUP2, child_out, 4),
                ],
                setsid=True,
            )
        except BaseException:
            self._close_pipes()
            raise
        finally:
            os.close(child_in)
            os.close(child_out)

    def _log_tail(self) -> str:
        """What the browser printed last, which is where it says why it died or would not start."""
        if self._log is None or not self._log.exists():
            return ""
        return "\nchromium's output ends:\n" + self._log.read_text(errors="replace")[-2000:]

    def _write(self, data: bytes, deadline: float, what: str) -> None:
        view = memoryview(data)
        while view:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"chromium did not take {what} in time{self._log_tail()}")
            _, writable, _ = select.select([], [self._commands], [], remaining)
            if writable:
                try:
                    view = view[os.write(self._commands, view) :]
                except BrokenPipeError:
                    raise AssertionError(f"chromium closed its pipe before {what}{self._log_tail()}") from None

    def _read(self, deadline: float | None, what: str) -> Message | None:
        """The next message, or None at the deadline; None as the deadline means only what has already arrived."""
        while (end := self._buffer.find(b"\0")) < 0:
            remaining = 0.0 if deadline is None else deadline - time.monotonic()
            readable, _, _ = select.select([self._replies], [], [], max(remaining, 0.0))
            if not readable:
                if deadline is None or remaining <= 0:
                    return None
                continue
            chunk = os.read(self._replies, 1 << 20)
            if not chunk:
                raise AssertionError(f"chromium closed its pipe while {what}{self._log_tail()}")
            self._buffer += chunk
        message: Message = json.loads(self._buffer[:end])
        del self._buffer[: end + 1]
        return message

    def send(
        self, method: str, params: Message | None = None, session_id: str | None = None, timeout: float | None = None
    ) -> Message:
        """The command's result; an error reply fails the test, since a driver that carried on would test nothing."""
        self._last_id += 1
        command: Message = {"id": self._last_id, "method": method, "params": params or {}}
        if session_id is not None:
            command["sessionId"] = session_id
        deadline = time.monotonic() + (COMMAND_TIMEOUT if timeout is None else timeout)
        self._write(json.dumps(command).encode() + b"\0", deadline, method)
        while (message := self._read(deadline, f"waiting for {method}")) is not None:
            if "id" not in message:
                self.events.append(message)
            elif message["id"] == self._last_id:
                if "error" in message:
                    raise AssertionError(f"{method} failed: {message['error']}")
                result: Message = message.get("result", {})
                return result
        raise TimeoutError(f"chromium did not answer {method} in {timeout or COMMAND_TIMEOUT}s{self._log_tail()}")

    def drain(self) -> None:
        """Reads the events already waiting in the pipe: they only arrive while a command is answered otherwise."""
        while (message := self._read(None, "reading events")) is not None:
            if "id" not in message:
                self.events.append(message)

    def wait_event(
        self, match: Callable[[Message], bool], since: int = 0, timeout: float = COMMAND_TIMEOUT, what: str = "event"
    ) -> Message:
        """The first event from ``since`` on that matches, reading more until the deadline if need be.

        Events read while earlier commands were answered count, so one that came before the call is not missed.
        """
        if (found := next(filter(match, self.events[since:]), None)) is not None:
            return found
        deadline = time.monotonic() + timeout
        while (message := self._read(deadline, f"waiting for {what}")) is not None:
            if "id" not in message:
                self.events.append(message)
                if match(message):
                    return message
        raise TimeoutError(f"no {what} in {timeout}s{self._log_tail()}")

    def open(self, url: str, timeout: float = LOAD_TIMEOUT) -> Page:
        """A new tab showing ``url`` once its load event has fired, with everything it logs on the way recorded."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        page = Page(self, session, target)
        for domain in ("Page", "Runtime", "Network", "Log"):
            page.send(f"{domain}.enable")
        # Its issues (Audits.issueAdded: CorsIssue, ContentSecurityPolicyIssue) name a refusal by code, which is
        # steadier to assert on than the console's wording.
        page.send("Audits.enable")
        page.send("Page.setLifecycleEventsEnabled", {"enabled": True})
        page.navigate(url, timeout)
        return page

    def close(self) -> None:
        """Asks the browser to quit, then kills its process group if it has not within EXIT_TIMEOUT."""
        if self._pid is not None:
            # Quitting is asked for, not awaited: the browser closes the pipe as it goes, so no reply may come.
            with contextlib.suppress(AssertionError, TimeoutError, OSError):
                self._write(json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0", time.monotonic() + 1, "")
            if not self._reaped(time.monotonic() + EXIT_TIMEOUT):
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._pid, signal.SIGKILL)
                self._reaped(time.monotonic() + EXIT_TIMEOUT)
            # The browser's helpers normally leave with it; any that linger would hold the profile open.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._pid, signal.SIGKILL)
            self._pid = None
        self._close_pipes()

    def _reaped(self, deadline: float) -> bool:
        assert self._pid is not None
        while time.monotonic() < deadline:
            try:
                pid, _ = os.waitpid(self._pid, os.WNOHANG)
            except ChildProcessError:
                return True
            if pid:
                return True
            time.sleep(0.02)
        return False

    def _close_pipes(self) -> None:
        for fd in (self._commands, self._replies):
            if fd >= 0:
                os.close(fd)
        self._commands = self._replies = -1


@dataclass(frozen=True)
class Page:
    """One tab, reached through its own session so that its events can be told from every other tab's."""

    devtools: DevTools
    session_id: str
    target_id: str

    def send(self, method: str, params: Message | None = None, timeout: float | None = None) -> Message:
        return self.devtools.send(method, params, self.session_id, timeout)

    def navigate(self, url: str, timeout: float = LOAD_TIMEOUT) -> None:
        """Goes to ``url`` and waits for that document's load event, which waits for its frames too.

        The load is told by the navigation's loaderId, not by the first Page.loadEventFired: the blank page the
        tab opened with can report its own load late, which would let a test look at a page not loaded yet.
        A navigation the browser could not make at all (no server, say) fails here, naming the network error.
        """
        since = len(self.devtools.events)
        started = self.send("Page.navigate", {"url": url}, timeout)
        assert "errorText" not in started, f"{url} did not load: {started['errorText']}"
        if "loaderId" not in started:  # only the fragment changed: the document is the one already loaded
            return
        self.devtools.wait_event(
            lambda event: (
                self._event(event, "Page.lifecycleEvent")
                and event["params"]["name"] == "load"
                and event["params"]["loaderId"] == started["loaderId"]
            ),
            since,
            timeout,
            f"load event of {url}",
        )

    def evaluate(self, expression: str, await_promise: bool = True, timeout: float | None = None) -> Any:
        """The expression's value in the top document, as JSON would carry it (None for undefined).

        A promise is awaited by default, so ``fetch(...)`` reads as its outcome; an exception thrown, or a promise
        rejected, fails the test with the page's own message.
        """
        reply = self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": await_promise},
            timeout,
        )
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            raise AssertionError(f"{expression!r} threw: {details.get('exception', {}).get('description', details)}")
        return reply["result"].get("value")

    def wait_for(self, expression: str, timeout: float = COMMAND_TIMEOUT) -> Any:
        """The expression's first truthy value, polled for, since frames and messages arrive after the load event.

        An exception is not retried: an expression that can throw before the page is ready should guard itself.
        """
        deadline = time.monotonic() + timeout
        while not (value := self.evaluate(expression)):
            if time.monotonic() >= deadline:
                raise AssertionError(f"{expression!r} was still {value!r} after {timeout}s")
            time.sleep(0.05)
        return value

    def screenshot(self, path: Path) -> bytes:
        """The viewport as a PNG, written to ``path`` too so that a failing run leaves the picture to look at."""
        data = base64.b64decode(self.send("Page.captureScreenshot", {"format": "png"})["data"])
        path.write_bytes(data)
        return data

    def frames(self) -> list[Message]:
        """Every frame of the tab, the top one first, as Page.getFrameTree describes it (id, parentId, url, ...).

        A frame the browser refused to show (``frame-ancestors``, ``X-Frame-Options``) is still listed: its url
        becomes chrome-error://chromewebdata/ and ``unreachableUrl`` names the address it refused, so a test can
        tell a refused frame from one that loaded. Only frames of the top document's site are listed (127.0.0.1
        on any port is one site; localhost is another): the others, refused ones included, run in a process of
        their own, so a test of them asserts on the console instead, where the refusal is logged all the same.
        """

        def walk(tree: Message) -> Iterator[Message]:
            yield tree["frame"]
            for child in tree.get("childFrames", []):
                yield from walk(child)

        return list(walk(self.send("Page.getFrameTree")["frameTree"]))

    def events(self, method: str) -> list[Message]:
        """The params of this tab's ``method`` events read so far, after reading those already waiting."""
        self.devtools.drain()
        return [event["params"] for event in self.devtools.events if self._event(event, method)]

    def _event(self, event: Message, method: str | None = None) -> bool:
        return event.get("sessionId") == self.session_id and method in (None, event.get("method"))

    def console(self) -> list[str]:
        """What the tab's console shows so far, as text, for tests that assert on why something failed: the page's
        console calls, uncaught exceptions and the browser's own messages (CSP and CORS refusals, failed loads).
        """
        self.devtools.drain()
        return [text for event in self.devtools.events if self._event(event) and (text := console_text(event))]

    def wait_for_console(self, fragment: str, timeout: float = COMMAND_TIMEOUT) -> str:
        """The first console text containing ``fragment``, waited for: the browser may log a refusal after the
        page's script has already seen it fail.
        """
        event = self.devtools.wait_event(
            lambda event: self._event(event) and fragment in (console_text(event) or ""),
            timeout=timeout,
            what=f"console message containing {fragment!r}",
        )
        return console_text(event) or ""


def console_text(event: Message) -> str | None:
    """An event's text as the console would show it, or None for an event the console does not show."""
    params = event.get("params", {})
    match event.get("method"):
        case "Log.entryAdded":
            return str(params["entry"]["text"])
        case "Runtime.consoleAPICalled":
            return " ".join(str(arg.get("value", arg.get("description", arg["type"]))) for arg in params["args"])
        case "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            return str(details.get("exception", {}).get("description", details["text"]))
    return None
