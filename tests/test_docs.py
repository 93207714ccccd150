"""The docs site builds offline (nbdev-proc-nbs + smalldocs) with a page per notebook and live plotly figures."""
import re
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import ROOT


def test_site_has_every_notebook_and_the_fig6_plot():
    bin_ = Path(sys.executable).parent
    shutil.rmtree(ROOT / "_proc", ignore_errors=True)
    r = subprocess.run([str(bin_ / "nbdev-proc-nbs"), "--file-re", r"\.(?:ipynb|qmd|md)$"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    r = subprocess.run([str(bin_ / "smalldocs"), "render", "-q", str(ROOT / "_proc")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    site = ROOT / "_proc" / "_docs"
    for nb in sorted((ROOT / "nbs").glob("*.ipynb")):
        page = site / f"{nb.stem}.html"
        assert page.is_file() and page.stat().st_size > 5_000, f"no docs page for {nb.name}"
        assert nb.stem in (site / "index.html").read_text() or nb.stem == "index", f"{nb.name} is not in the sidebar"
    fig6 = (site / "17_widgets.html").read_text()
    assert fig6.count("Plotly.newPlot") >= 4                     # the static explorers are real plotly figures
    assert "plotly.js v" in fig6                                 # plotly.js itself is embedded: the page works offline
    for page in site.glob("*.html"):
        text = re.sub(r"data:[^\"' )]+", "", page.read_text())                 # embedded pictures can hold any bytes
        assert "VBox(children" not in text and "HBox(children" not in text, f"{page.name} shows a widget's text repr"
        assert not any(m in text for m in ("/tmp/", "/work/", "site-packages", "/root/")), f"{page.name} shows a machine path"
    assert "A live explorer: run this notebook in Jupyter" in (site / "03_optics.html").read_text()
