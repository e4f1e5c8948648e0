"""Helpers for the operations tests (lock, scheduler, cron mode): folders, servers, processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BULLETIN = (ROOT / "examples" / "bulletin.txt").read_text(encoding="utf-8")
HEAD = "site:\n  base_url: https://feeds.example.org/\n  allow_private: true\n"


def text_source(source_id: str, url: str, **extra: str) -> str:
    lines = [f"  - id: {source_id}", f"    url: {url}", "    format: text"]
    lines += [f"    {key}: {value}" for key, value in extra.items()]
    return "\n".join(lines) + "\n"


def write_config(folder: Path, sources: str, defaults: str = "") -> Path:
    """Write ``sources.yaml`` atomically (as editors do) with local bulletin pages."""
    (folder / "bulletin.txt").write_text(BULLETIN, encoding="utf-8")
    text = HEAD + (f"defaults:\n{defaults}" if defaults else "") + "sources:\n" + sources
    path = folder / "sources.yaml"
    temp = folder / ".sources.yaml.tmp"
    temp.write_text(text, encoding="utf-8")
    os.replace(temp, path)
    return path


def publisher(*args: str, cwd: Path, **kw: object) -> subprocess.Popen[str]:
    """``python -m publisher ARGS`` in ``cwd``."""
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-m", "publisher", *args], cwd=cwd, text=True, **kw
    )


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``check`` every 50 ms for at most ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def stop(process: subprocess.Popen[str]) -> None:
    """Kill ``process`` (by its pid) if it still runs; always reap it."""
    if process.poll() is None:
        process.kill()
    process.wait(timeout=10)


class SlowPage:
    """A local HTTP server whose page answers only when the test says so."""

    def __init__(self) -> None:
        self.arrived = threading.Event()
        self.release = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != "/bulletins":
                    self.send_error(404)
                    return
                gate.arrived.set()
                gate.release.wait(timeout=30)
                body = BULLETIN.encode("utf-8")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/bulletins"

    @contextmanager
    def running(self) -> Iterator[SlowPage]:
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self.release.set()
            self.server.shutdown()
            self.server.server_close()
            thread.join(timeout=10)
