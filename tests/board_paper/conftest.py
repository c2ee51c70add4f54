"""Fixtures for the board paper: a Chromium driven over the DevTools protocol (standard library only).

Chromium started with ``--remote-debugging-pipe`` reads protocol commands from file
descriptor 3 and writes replies and events to descriptor 4, each message a JSON
object ending in a NUL byte.  :class:`Browser` opens one page (a flattened target
session), records every console message, exception, log entry and network request,
and evaluates JavaScript in the page, which is all a test needs to look at the paper
as a reader's browser shows it.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
import time

import pytest

from finmodel.board_paper.pdf import chromium_flags, find_chromium


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of Chromium; skips the test when it is missing."""
    path = find_chromium()
    if path is None:
        pytest.skip("Chromium not installed: apt-get install chromium (or set FINMODEL_CHROMIUM)")
    return path


class Browser:
    """A headless Chromium with one page, spoken to over --remote-debugging-pipe."""

    def __init__(self, exe: str, timeout_s: float = 60.0):
        self.timeout_s = timeout_s
        self.profile = tempfile.mkdtemp(prefix="finmodel-cdp-")
        cmd_r, self._cmd_w = os.pipe()    # we write commands; Chromium reads them on fd 3
        self._out_r, out_w = os.pipe()    # Chromium writes on fd 4; we read

        def child_fds() -> None:  # in the child, before exec: the two pipe ends become 3 and 4
            a, b = os.dup(cmd_r), os.dup(out_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([exe, *chromium_flags(self.profile), "--remote-debugging-pipe", "about:blank"],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     preexec_fn=child_fds, close_fds=False)
        os.close(cmd_r)
        os.close(out_w)
        self._next_id = 0
        self._replies: dict[int, dict] = {}
        self._incoming: queue.Queue = queue.Queue()
        self.events: list[dict] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Runtime", "Log", "Network", "Page"):
            self.send(f"{domain}.enable", session=True)

    def _read(self) -> None:
        buf = b""
        while True:
            chunk = os.read(self._out_r, 1 << 16)
            if not chunk:
                self._incoming.put(None)
                return
            buf += chunk
            while b"\0" in buf:
                msg, buf = buf.split(b"\0", 1)
                self._incoming.put(json.loads(msg))

    def _pump(self, deadline: float) -> bool:
        try:
            msg = self._incoming.get(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            return False
        if msg is None:
            raise RuntimeError("Chromium closed the DevTools pipe")
        if "id" in msg:
            self._replies[msg["id"]] = msg
        else:
            self.events.append(msg)
        return True

    def send(self, method: str, params: dict | None = None, session: bool = False) -> dict:
        self._next_id += 1
        mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + self.timeout_s
        while mid not in self._replies:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no reply to {method}")
            self._pump(deadline)
        reply = self._replies.pop(mid)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply.get("result", {})

    def open(self, url: str) -> None:
        """Navigate and wait for the page's load event."""
        self.send("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + self.timeout_s
        while not any(ev.get("method") == "Page.loadEventFired" for ev in self.events):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load")
            self._pump(deadline)
        settle = time.monotonic() + 0.5  # late console messages or requests
        while self._pump(settle):
            pass

    def evaluate(self, expression: str):
        res = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=True)
        if "exceptionDetails" in res:
            raise RuntimeError(f"page script failed: {res['exceptionDetails']}")
        return res["result"].get("value")

    def events_named(self, *methods: str) -> list[dict]:
        return [ev for ev in self.events if ev.get("method") in methods]

    def close(self) -> None:
        try:
            os.write(self._cmd_w, json.dumps({"id": 0, "method": "Browser.close"}).encode() + b"\0")
            self.proc.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self.proc.kill()
            self.proc.wait()
        finally:
            os.close(self._cmd_w)
            shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture
def browser(chromium):
    b = Browser(chromium)
    yield b
    b.close()
