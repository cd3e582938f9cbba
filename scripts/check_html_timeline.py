#!/usr/bin/env python3
"""The HTML timeline, checked where people look at it: in a real browser.

For each demo of the tour it writes the page (GLASSLOOP_TRACE=html:PATH, on virtual time), loads it
in headless Chromium (Debian's `chromium`, installed if missing), lets its JavaScript run, and
fails unless the rendered page has a lane for every task, an arrow for every wake, poll bars, no
script error in the console, and a hover on a poll bar that shows the bar's trace line. With
`--screenshots DIR` it also saves a PNG of each page (the book's pictures, docs/images/).

    python3 scripts/check_html_timeline.py                       # what .ci/run runs
    python3 scripts/check_html_timeline.py --screenshots docs/images

Chromium is driven through the DevTools protocol over `--remote-debugging-pipe` (file descriptors
3 and 4, one JSON message per NUL-terminated chunk): no WebSocket client and nothing beyond
Python's standard library is needed, and no browser is downloaded.
"""

import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEMOS = ["sync_vs_async", "tea_and_toast", "async_await", "get_user", "create_task"]


def chromium():
    """The browser's path, installing Debian's package if it is missing."""
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    print("== chromium is missing: installing Debian's package", flush=True)
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(sudo + ["apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "chromium"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    return shutil.which("chromium")


class Browser:
    """Headless Chromium, spoken to over its DevTools pipe."""

    def __init__(self, path, profile):
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def fds():
            os.dup2(to_browser_r, 3)
            os.dup2(from_browser_w, 4)

        self.process = subprocess.Popen(
            [path, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--remote-debugging-pipe", f"--user-data-dir={profile}", "--window-size=1400,900",
             "about:blank"],
            pass_fds=(3, 4), preexec_fn=fds, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_browser_r)
        os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def send(self, method, params=None, session=None):
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self.to_browser, json.dumps(message).encode() + b"\0")
        while True:
            reply = self.receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def receive(self):
        while b"\0" not in self.buffer:
            chunk = os.read(self.from_browser, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def wait_for(self, method, timeout=20):
        deadline = time.time() + timeout
        while time.time() < deadline:
            for event in self.events:
                if event.get("method") == method:
                    self.events.remove(event)
                    return event
            self.events.append(self.receive())
        raise RuntimeError(f"no {method} within {timeout} s")

    def close(self):
        try:
            self.send("Browser.close")
        except Exception:
            pass
        self.process.wait(timeout=20)


def evaluate(browser, session, expression):
    result = browser.send("Runtime.evaluate",
                          {"expression": expression, "returnByValue": True}, session)
    if "exceptionDetails" in result:
        raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
    return result["result"].get("value")


def check(browser, page, screenshot, big=False):
    """Loads `page` and checks what rendered; a list of problems (empty: all good). A `big` page
    (over 10,000 events) must show its polls aggregated and its arrows hidden, zoomed out."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget",
                           {"targetId": target, "flatten": True})["sessionId"]
    for domain in ("Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable", {}, session)
    browser.events.clear()
    started = time.time()
    browser.send("Page.navigate", {"url": "file://" + page}, session)
    browser.wait_for("Page.loadEventFired")
    took = time.time() - started
    problems = []
    data = evaluate(browser, session, "JSON.parse(document.getElementById('data').textContent)")
    lanes = evaluate(browser, session,
                     "[...document.querySelectorAll('g.lane')].map(g => g.dataset.name)")
    if lanes != data["lanes"]:
        problems.append(f"lanes drawn {lanes}, expected {data['lanes']}")
    wakes = evaluate(browser, session, "document.querySelectorAll('path.wake').length")
    bars = evaluate(browser, session, "document.querySelectorAll('rect.poll').length")
    if not bars:
        problems.append("no poll bar drawn")
    if big:
        stats = evaluate(browser, session, "document.getElementById('stats').textContent")
        if data["events"] < 10000:
            problems.append(f"only {data['events']} events: not a big page")
        if bars >= len(data["polls"]):
            problems.append(f"{bars} bars for {len(data['polls'])} polls: nothing aggregated")
        if wakes or "arrows hidden" not in stats:
            problems.append(f"{wakes} arrows drawn zoomed out; the stats say {stats!r}")
        # (How long it took is reported, not judged: CI machines are shared.)
        print(f"   the {data['events']}-event page loaded and drew in {took:.1f} s", flush=True)
    elif wakes != len(data["wakes"]):
        problems.append(f"{wakes} wake arrows drawn, {len(data['wakes'])} wakes")
    # Hover the first poll bar: the tooltip must show its trace line.
    box = evaluate(browser, session, """(() => {
        const r = document.querySelector('rect.poll').getBoundingClientRect();
        return {x: r.left + r.width / 2, y: r.top + r.height / 2,
                trace: document.querySelector('rect.poll').dataset.trace};
    })()""")
    browser.send("Input.dispatchMouseEvent",
                 {"type": "mouseMoved", "x": box["x"], "y": box["y"]}, session)
    tip = evaluate(browser, session,
                   "[document.getElementById('tip').style.display,"
                   " document.getElementById('tip').textContent]")
    if tip != ["block", box["trace"]]:
        problems.append(f"hovering a poll bar shows {tip!r}, expected its line {box['trace']!r}")
    errors = [e for e in browser.events
              if e.get("method") == "Runtime.exceptionThrown"
              or (e.get("method") == "Runtime.consoleAPICalled"
                  and e["params"].get("type") == "error")
              or (e.get("method") == "Log.entryAdded"
                  and e["params"]["entry"].get("level") == "error")]
    if errors:
        problems.append(f"errors in the console: {errors}")
    if screenshot:
        browser.send("Input.dispatchMouseEvent", {"type": "mouseMoved", "x": 5, "y": 5}, session)
        height = evaluate(browser, session, "document.body.scrollHeight")
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": 1200, "height": min(height + 20, 900), "deviceScaleFactor": 1,
                      "mobile": False}, session)
        shot = browser.send("Page.captureScreenshot", {"format": "png"}, session)
        with open(screenshot, "wb") as out:
            out.write(base64.b64decode(shot["data"]))
    browser.send("Target.closeTarget", {"targetId": target})
    return problems


def main(argv):
    shots = None
    if "--screenshots" in argv:
        shots = os.path.abspath(argv[argv.index("--screenshots") + 1])
        os.makedirs(shots, exist_ok=True)
    print("== cargo build --examples", flush=True)
    subprocess.run(["cargo", "build", "-q", "--examples"], cwd=ROOT, check=True)
    target_dir = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    work = tempfile.mkdtemp(prefix="glassloop-html-")
    browser = Browser(chromium(), os.path.join(work, "profile"))
    failed = False
    try:
        for demo in DEMOS:
            page = os.path.join(work, f"{demo}.html")
            subprocess.run([os.path.join(target_dir, "debug", "examples", demo), "--virtual"],
                           env=dict(os.environ, GLASSLOOP_TRACE=f"html:{page}"), check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            problems = check(browser, page, shots and os.path.join(shots, f"{demo}.png"))
            size = os.path.getsize(page)
            if problems:
                failed = True
                print(f"!! {demo}: " + "; ".join(problems))
            else:
                print(f"ok {demo}: rendered every lane and wake arrow, hover shows the trace line "
                      f"({size} bytes)")
        page = os.path.join(work, "timeline_stress.html")
        subprocess.run([os.path.join(target_dir, "debug", "examples", "timeline_stress")],
                       env=dict(os.environ, GLASSLOOP_TRACE=f"html:{page}"), check=True)
        problems = check(browser, page, None, big=True)
        if problems:
            failed = True
            print("!! timeline_stress: " + "; ".join(problems))
        else:
            print(f"ok timeline_stress: over 10,000 events, polls aggregated and arrows hidden "
                  f"zoomed out ({os.path.getsize(page)} bytes)")
    finally:
        browser.close()
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
