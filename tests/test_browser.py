"""The focus-regression explorer in real JupyterLab, in Debian's Chromium through Playwright.

Starts JupyterLab on 127.0.0.1 over a copy of `17_widgets`, runs all cells, moves the explorer's x
slider with the keyboard, and checks that the plot's data changed; saves a screenshot. The server is
stopped by its PID."""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="Debian chromium is not installed (.ci/run installs it)")

def free_port():
    with socket.socket() as s: s.bind(("127.0.0.1", 0)); return s.getsockname()[1]

@pytest.fixture
def lab(tmp_path):
    nbdir = tmp_path / "work" / "nbs"; nbdir.mkdir(parents=True)
    nb = json.loads((ROOT / "nbs" / "17_widgets.ipynb").read_text())
    for c in nb["cells"]:
        if c["cell_type"] == "code": c["outputs"], c["execution_count"] = [], None
    (nbdir / "17_widgets.ipynb").write_text(json.dumps(nb))
    (nbdir / "saved.ipynb").write_text((ROOT / "nbs" / "17_widgets.ipynb").read_text())   # as committed, outputs kept
    settings = Path(sys.prefix) / "share/jupyter/lab/settings"; settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps({"@jupyterlab/apputils-extension:notification": {"fetchNews": "false"},
                                                      "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}))   # every cell in the DOM
    port, token = free_port(), secrets.token_hex(16)
    proc = subprocess.Popen([str(Path(sys.executable).parent / "jupyter"), "lab", "--allow-root", "--ip=127.0.0.1", f"--port={port}",
                             "--no-browser", f"--ServerApp.token={token}", f"--ServerApp.root_dir={tmp_path / 'work'}",
                             "--LabApp.extension_manager=readonly", f"--LabApp.workspaces_dir={tmp_path / 'workspaces'}", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
                            stdout=open(tmp_path / "lab.log", "w"), stderr=subprocess.STDOUT, env={**os.environ, "MPLBACKEND": "Agg"})
    try:
        for _ in range(120):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close(); break
            except OSError: time.sleep(0.5)
        yield dict(url=f"http://127.0.0.1:{port}/lab/tree/nbs/17_widgets.ipynb?token={token}",
                   saved=f"http://127.0.0.1:{port}/lab/tree/nbs/saved.ipynb?token={token}",
                   api=f"http://127.0.0.1:{port}/api/kernels?token={token}")
    finally:
        proc.send_signal(signal.SIGINT)
        try: proc.wait(20)
        except subprocess.TimeoutExpired: proc.kill(); proc.wait()

PLOT_Y = """() => {
  const s = document.querySelector('.widget-slider');
  const area = s && s.closest('.jp-OutputArea');
  const p = area && area.querySelector('.js-plotly-plot');
  return p && p.data ? JSON.stringify(p.data[4].y) : null;
}"""

def kernel_states(api):
    "Execution states of the server's kernels, from its REST API."
    import urllib.request
    try:
        with urllib.request.urlopen(api, timeout=5) as r: return [k.get("execution_state") for k in json.load(r)]
    except OSError: return []

def dismiss_dialogs(page, seen):
    "Close any JupyterLab modal dialog (accepting its default), remembering and printing its text."
    for d in page.query_selector_all(".jp-Dialog"):
        try: text = " ".join(d.inner_text().split())
        except Exception: continue
        seen.append(text); print(f"JupyterLab dialog: {text}")
        button = d.query_selector(".jp-Dialog-footer button.jp-mod-accept") or d.query_selector(".jp-Dialog-footer button")
        try:
            if button: button.click(timeout=5_000)
            else: page.keyboard.press("Escape")
        except Exception: page.keyboard.press("Escape")

def run_all(page, api, seen, deadline):
    "Wait until the kernel is idle, then Run All Cells, retrying (and closing dialogs) until a cell has run."
    while time.monotonic() < deadline:
        dismiss_dialogs(page, seen)
        if "idle" in kernel_states(api): break
        time.sleep(1)
    else: pytest.fail(f"the kernel never became idle; dialogs seen: {seen or 'none'}")
    ran = "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].some(e => /\\[\\d+\\]/.test(e.textContent))"
    while time.monotonic() < deadline:
        dismiss_dialogs(page, seen)
        try:
            page.click("text=Run", timeout=10_000)
            page.click("[data-command='runmenu:run-all']", timeout=10_000)
            page.wait_for_function(ran, timeout=60_000)                   # a fresh environment's first kernel can be slow
            return
        except Exception:                                   # the click was swallowed or a dialog came up
            page.keyboard.press("Escape")
    page.screenshot(path=str(Path(os.environ.get("TMPDIR", "/tmp")) / "stackmff-lab-run-all.png"))   # what the page showed
    pytest.fail(f"Run All Cells never ran a cell; dialogs seen: {seen or 'none'}; kernels: {kernel_states(api)}")

def test_regression_explorer_in_jupyterlab(lab, tmp_path):
    from playwright.sync_api import sync_playwright
    seen = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        for attempt in range(3):                            # a new environment's first JupyterLab can leave the page blank: reload
            page.goto(lab["url"], timeout=120_000)
            try: page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000); break
            except Exception:
                if attempt == 2: raise
        run_all(page, lab["api"], seen, time.monotonic() + 420)
        page.wait_for_selector(".widget-slider .noUi-handle", timeout=240_000)
        page.wait_for_function(PLOT_Y, timeout=120_000)
        before = page.evaluate(PLOT_Y)
        dismiss_dialogs(page, seen)
        handle = page.locator(".widget-slider .noUi-handle").first
        handle.focus()
        for _ in range(12): page.keyboard.press("ArrowLeft")
        page.wait_for_function(f"() => ({PLOT_Y})() !== {json.dumps(before)}", timeout=60_000)
        after = page.evaluate(PLOT_Y)
        page.screenshot(path=str(tmp_path / "explorer.png"), full_page=False)
        browser.close()
    assert before != after
    assert (tmp_path / "explorer.png").stat().st_size > 10_000

def test_saved_figures_draw_without_running(lab):
    "The committed notebook holds each figure as plotly JSON alone: JupyterLab's plotly extension draws it, no kernel run."
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(lab["saved"], timeout=120_000)
        page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea .js-plotly-plot')].some(p => p.data && p.data.length)",
                               timeout=120_000)
        browser.close()
