#!/usr/bin/env python3
"""Opens the HTML audit report in headless Chromium, takes a screenshot and fails on any
console message (a script error, a blocked load, a Content-Security-Policy violation).

A deliberately broken page is opened first: if its errors are not seen, the check itself is
broken and the test fails rather than passing blind. Also checks the page is self-contained:
nothing in it points at the network.

Prints one `N passed, N failed` line; exits non-zero on any failure.
"""

import argparse
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

RESULTS = {"passed": 0, "failed": 0}


def check(ok, what):
    RESULTS["passed" if ok else "failed"] += 1
    print(f"{'ok  ' if ok else 'FAIL'} {what}", flush=True)
    return ok


def chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        p = shutil.which(name)
        if p:
            return p
    sys.exit("no chromium on PATH (tests/otel/run.sh installs Debian's package)")


def render(page, png, size):
    """Screenshots `page`; returns the console lines Chromium logged for it."""
    profile = tempfile.mkdtemp(prefix="hookwarden-chromium-")
    try:
        r = subprocess.run(
            [chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
             "--hide-scrollbars", f"--screenshot={png}", f"--window-size={size}",
             pathlib.Path(page).resolve().as_uri()],
            capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    console = [l for l in r.stderr.splitlines() if ":CONSOLE" in l]
    return r.returncode, console


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("html", help="the report to open")
    ap.add_argument("--png", required=True, help="where the screenshot goes")
    ap.add_argument("--size", default="1280,1600")
    a = ap.parse_args()

    html = pathlib.Path(a.html).read_text()
    # Self-contained: no script, no stylesheet or image from anywhere. The SVG namespace is a
    # name, not a load.
    # (Log text is escaped, so a raw `<` only ever opens one of the page's own tags.)
    refs = re.findall(r"""<[^>]*\b(?:src|href|xlink:href)\s*=\s*["']?([^"'\s>]+)""", html)
    check(not refs, f"the page loads nothing ({refs[:3]})")
    check("<script" not in html.lower(), "the page runs no script")
    check("default-src 'none'" in html, "the page's CSP forbids every load")

    with tempfile.TemporaryDirectory() as tmp:
        bad = pathlib.Path(tmp) / "bad.html"
        bad.write_text("<!DOCTYPE html><p>control</p><script>console.error('control error');"
                       "notDefined();</script>")
        rc, console = render(bad, pathlib.Path(tmp) / "bad.png", "400,300")
        check(len(console) >= 2, f"console errors of a broken page are seen ({len(console)} seen)")

    png = pathlib.Path(a.png)
    png.parent.mkdir(parents=True, exist_ok=True)
    if png.exists():
        png.unlink()
    rc, console = render(a.html, png, a.size)
    check(rc == 0 and png.exists() and png.stat().st_size > 10_000,
          f"Chromium rendered the report to {png} ({png.stat().st_size if png.exists() else 0} bytes)")
    check(not console, f"no console message while rendering ({console[:3]})")
    print(f"\n{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
