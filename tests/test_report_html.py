"""report.html: content per section (no browser), then the page rendered in headless Chromium.

The browser tests drive Debian's ``chromium`` over the DevTools protocol on a pipe
(``--remote-debugging-pipe``: NUL-separated JSON on file descriptors 3 and 4, standard
library only) with the network features that hang offline turned off. They check that the
page loads with no console message, exception or failed load, asks for nothing but itself,
shows every section, prints one section per page, and that its screenshot is not blank; the
screenshot goes to the test's folder and to $DCPLAN_TEST_ARTIFACTS when set. Skipped, with
the reason, where /usr/bin/chromium is absent.
"""

from __future__ import annotations

import base64
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import matplotlib.image
import numpy as np
import pandas as pd
import pytest

import planner
from planner.report.html import SECTIONS, render_report
from planner.report.units import money
from planner.testing.synthetic import portfolio_dict, site_dict, tenant_dict

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium is not installed (apt-get install chromium): report not rendered"
)
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
TIMEOUT_S = 60.0
SECTION_IDS = [sid for sid, _ in SECTIONS]


# --------------------------------------------------------------------------- the plan


@pytest.fixture(scope="module")
def small_plan() -> planner.Plan:
    """Two synthetic sites, a committed and an optional tenant, four yearly periods (~1 s)."""
    sites = [
        site_dict("alpha", contract_mw=120, mining_mw=60),
        site_dict("beta", lon=-99.0, contract_mw=60, mining_mw=30),
    ]
    tenants = [
        tenant_dict(
            "anchor", ["alpha"], it_mw=40, committed=True, start_earliest="2027-01-01", start_latest="2027-12-01"
        ),
        tenant_dict("option", ["alpha", "beta"], it_mw=20, start_earliest="2027-01-01", start_latest="2028-12-01"),
    ]
    data = portfolio_dict("report-test", sites, tenants, periods=4, period="year")
    return planner.plan(planner.portfolio_from_dict(data, Path(".")))


@pytest.fixture(scope="module")
def pieces(small_plan):
    return small_plan.to_dict(), small_plan.frames(), small_plan.inputs.portfolio


@pytest.fixture(scope="module")
def page(pieces) -> str:
    return render_report(*pieces)


def section(html: str, sid: str) -> str:
    """The markup of top-level section ``sid`` (up to the next top-level section)."""
    starts = [(m.group(1), m.start()) for m in re.finditer(r'<section id="([^"]+)">', html)]
    for (name, start), nxt in zip(starts, [*starts[1:], ("", len(html))]):
        if name == sid:
            return html[start : nxt[1]]
    raise AssertionError(f"no section {sid}")


# --------------------------------------------------------------------------- per section, as HTML


def test_sections_in_order_once_each(page):
    found = re.findall(r'<section id="([^"]+)">', page)
    assert found == SECTION_IDS


def test_headline_section(page, pieces):
    plan_dict = pieces[0]
    head = section(page, "headline")
    assert money(plan_dict["kpis"]["npv_usd"]) in head
    assert plan_dict["status"] in head and "gap" in head and "bound" in head
    assert "Every KPI" in head and "IRR (%/yr)" in head


def test_headline_renders_new_kpis_generically(pieces):
    plan_dict, frames, portfolio = pieces
    kpis = dict(
        plan_dict["kpis"],
        npv_without_terminal_usd=8.5e8,
        terminal_value_share=0.231,
        min_dscr=1.35,
        peak_funding_mw=12.0,
        counterparty_share={"fluidstack": 0.55, "core42": 0.45},
        funding_waterfall=[{"period": "2026", "debt_drawn_usd": 1e8, "equity_usd": 5e7}],
    )
    head = section(render_report(dict(plan_dict, kpis=kpis), frames, portfolio), "headline")
    assert "NPV without terminal value" in head and "850.0 M USD" in head
    assert "Terminal value share of NPV" in head and "23.1 %" in head
    assert "1.35×" in head and "12.0 MW" in head and "55.0 %" in head
    assert "debt drawn (M USD)" in head and "100.0" in head


def test_missing_kpis_and_frames_do_not_crash(pieces):
    empty = SimpleNamespace(sites=(), land={}, catalog=None)
    page = render_report({}, {}, empty)
    assert re.findall(r'<section id="([^"]+)">', page) == SECTION_IDS
    page = render_report({"kpis": {"npv_usd": None}}, {"site_period": pd.DataFrame()}, pieces[2])
    assert "NPV" in section(page, "headline")


def test_timeline_section(page, pieces):
    sites = pieces[2].sites
    sec = section(page, "timeline")
    assert sec.count('<svg class="chart"') == len(sites)
    for s in sites:
        assert s.name in sec
    assert "mining IT" in sec and "HPC IT, leased" in sec and "grid interconnect" in sec


def test_buildout_section(page, pieces):
    _, frames, _ = pieces
    sec = section(page, "buildout")
    sp = frames["site_period"]
    end = sp[sp["period"] == sp["period"].iloc[-1]]
    assert "At the end of the horizon" in sec
    for _, row in end.iterrows():
        assert re.search(rf"<td>{row['site_id']}</td>.*?<td class=num>{row['halls']}</td>", sec)
    assert sec.count('<svg class="chart"') >= 1


def test_cash_flows_section(page, pieces):
    _, frames, _ = pieces
    sec = section(page, "cash-flows")
    cf = frames["cash_flows"]
    assert "net (M USD)" in sec and "capex (M USD)" in sec
    for net in cf["net"]:
        assert f"{net / 1e6:,.1f}" in sec
    assert (
        sec.count("<rect ")
        >= (cf[[c for c in cf.columns if c not in ("period", "net", "discount_factor")]] != 0).any().sum()
    )


def test_tenants_section(page, pieces):
    sec = section(page, "tenants")
    for tid in pieces[1]["tenants"]["tenant_id"]:
        assert f"<td>{tid}</td>" in sec
    assert "IT (MW)" in sec and "revenue (M USD)" in sec


def test_procurement_section(page, pieces):
    sec = section(page, "procurement")
    proc = pieces[1]["procurement"]
    assert len(proc) > 0
    assert sec.count("<tr>") == len(proc) + 1
    for item in set(proc["item"]):
        assert item in sec


def test_site_maps_section(page, pieces):
    _, frames, portfolio = pieces
    sec = section(page, "site-maps")
    proc = frames["procurement"]
    for s in portfolio.sites:
        assert f'id="map-{s.id}"' in sec
        halls = int(proc[(proc["kind"] == "hall") & (proc["site_id"] == s.id)]["quantity"].sum())
        fig = sec[sec.index(f'id="map-{s.id}"') :]
        fig = fig[: fig.index("</figure>")]
        drawn = [int(n) for n in re.findall(r"(\d+) of the \d+ \S+ hall module\(s\) the plan adds", fig)]
        missing = [int(n) for n in re.findall(r"(\d+) \S+ hall module\(s\) do not fit", fig)]
        assert sum(drawn) + sum(missing) == halls
        hall_paths = re.findall(r'<path fill="(?:#0072B2|#E67E22)"[^>]* d="([^"]+)"', fig)
        assert sum(d.count("M") for d in hall_paths) == sum(drawn)  # one ring per hall drawn
        assert "parcel" in fig and "setback" in fig


def test_tables_section_holds_every_other_frame(pieces):
    plan_dict, frames, portfolio = pieces
    funding = pd.DataFrame({"period": ["2026", "2027"], "debt_drawn_usd": [1e8, 0.0], "min_dscr": [1.4, 1.6]})
    sec = section(render_report(plan_dict, {**frames, "funding": funding}, portfolio), "tables")
    assert 'id="table-site_period"' in sec and 'id="table-funding"' in sec
    assert "debt drawn (M USD)" in sec and "minimum DSCR (×)" in sec


def test_text_is_escaped(pieces):
    plan_dict, frames, portfolio = pieces
    evil = "<script>alert('x')</script>"
    tenants = frames["tenants"].assign(tenant_id=evil)
    page = render_report(dict(plan_dict, portfolio=evil), {**frames, "tenants": tenants}, portfolio)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page


def test_page_is_self_contained(page):
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b", page)
    assert not re.search(r"(src|href)=\"(?!#)", page)  # only in-page links
    assert "http" not in page and "@import" not in page
    assert re.findall(r"url\(([^)]*)\)", page) == [m for m in re.findall(r"url\(([^)]*)\)", page) if m.startswith("#")]


# --------------------------------------------------------------------------- rendered in Chromium


class DevTools:
    """Chromium driven over ``--remote-debugging-pipe`` (our fd 3 is its input, fd 4 its output)."""

    def __init__(self, profile: Path) -> None:
        to_chrome, self._out = os.pipe()
        self._in, from_chrome = os.pipe()

        def pipes() -> None:  # in the child: its fds 3 and 4, inheritable through exec
            a, b = os.dup(to_chrome), os.dup(from_chrome)
            os.dup2(a, 3)
            os.dup2(b, 4)
            os.set_inheritable(3, True)
            os.set_inheritable(4, True)

        # close_fds=False: Popen would close fds 3 and 4 after pipes() ran; Python's own fds are
        # not inheritable (PEP 446), so nothing else leaks into the browser.
        self.proc = subprocess.Popen(
            [str(CHROMIUM), *FLAGS, f"--user-data-dir={profile}", "about:blank"],
            preexec_fn=pipes,
            close_fds=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_chrome)
        os.close(from_chrome)
        self._buf, self._id, self.events = b"", 0, []

    def _message(self) -> dict[str, Any]:
        while b"\0" not in self._buf:
            ready, _, _ = select.select([self._in], [], [], TIMEOUT_S)
            chunk = os.read(self._in, 1 << 20) if ready else b""
            if not chunk:
                raise RuntimeError("chromium stopped answering on the DevTools pipe")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self._id += 1
        msg: dict[str, Any] = {"id": self._id, "method": method, "params": params}
        if session:
            msg["sessionId"] = session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            self.events.append(reply)

    def wait_for(self, event: str) -> None:
        while not any(e.get("method") == event for e in self.events):
            self.events.append(self._message())

    def close(self) -> None:
        try:
            self.call("Browser.close")
        except (RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._in)
        os.close(self._out)


def render(path: Path, width: int = 1366, height: int = 900) -> dict[str, Any]:
    """Open ``path`` in a fresh headless Chromium: events, requests, element ids, section
    heights, a full-page PNG and a printed PDF."""
    profile = Path(tempfile.mkdtemp(prefix="dcplan-chromium-"))
    browser = DevTools(profile)
    try:
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        s = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.call(f"{domain}.enable", s)
        browser.call(
            "Emulation.setDeviceMetricsOverride", s, width=width, height=height, deviceScaleFactor=1, mobile=False
        )
        browser.call("Page.navigate", s, url=path.resolve().as_uri())
        browser.wait_for("Page.loadEventFired")
        js = (
            "JSON.stringify({ids: [...document.querySelectorAll('[id]')].map(e => e.id), "
            "heights: Object.fromEntries([...document.querySelectorAll('main > section')]"
            ".map(e => [e.id, e.getBoundingClientRect().height]))})"
        )
        found = json.loads(browser.call("Runtime.evaluate", s, expression=js, returnByValue=True)["result"]["value"])
        size = browser.call("Page.getLayoutMetrics", s)["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": width, "height": min(size["height"], 16000), "scale": 1}
        png = browser.call("Page.captureScreenshot", s, format="png", captureBeyondViewport=True, clip=clip)["data"]
        pdf = browser.call("Page.printToPDF", s, preferCSSPageSize=True, printBackground=True)["data"]
        events = list(browser.events)
    finally:
        browser.close()
        shutil.rmtree(profile, ignore_errors=True)
    requests = [e["params"]["request"]["url"] for e in events if e.get("method") == "Network.requestWillBeSent"]
    return {"events": events, "requests": requests, "png": base64.b64decode(png), "pdf": base64.b64decode(pdf), **found}


def problems(events: list[dict[str, Any]]) -> list[str]:
    """Console messages, uncaught exceptions and error or warning log entries (failed loads)."""
    out = []
    for e in events:
        method, params = e.get("method"), e.get("params", {})
        if method == "Runtime.consoleAPICalled":
            out.append(f"console.{params.get('type')}: {params.get('args')}")
        elif method == "Runtime.exceptionThrown":
            out.append(f"exception: {params.get('exceptionDetails', {}).get('text')}")
        elif method == "Log.entryAdded" and params["entry"].get("level") in ("error", "warning"):
            out.append(
                f"log {params['entry']['level']}: {params['entry'].get('text')} {params['entry'].get('url', '')}"
            )
    return out


def save_artifact(path: Path) -> None:
    """Copy ``path`` to $DCPLAN_TEST_ARTIFACTS when it is set."""
    folder = os.environ.get("DCPLAN_TEST_ARTIFACTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, Path(folder) / path.name)


@pytest.fixture(scope="module")
def rendered(page, tmp_path_factory) -> dict[str, Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium): report not rendered")
    folder = tmp_path_factory.mktemp("report")
    path = folder / "report.html"
    path.write_text(page, encoding="utf-8")
    out = render(path)
    out["folder"], out["url"] = folder, path.resolve().as_uri()
    return out


@needs_chromium
def test_page_loads_without_console_errors(rendered):
    assert problems(rendered["events"]) == []


@needs_chromium
def test_page_requests_nothing_but_itself(rendered):
    assert rendered["requests"] == [rendered["url"]]


@needs_chromium
@pytest.mark.parametrize("sid", SECTION_IDS)
def test_section_is_rendered(rendered, sid):
    assert sid in rendered["ids"]
    assert rendered["heights"].get(sid, 0) > 40, f"section {sid} is not laid out"


@needs_chromium
def test_screenshot_is_written_and_not_blank(rendered):
    shot = rendered["folder"] / "report.png"
    shot.write_bytes(rendered["png"])
    save_artifact(shot)
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[0] > 900 and pixels.shape[1] == 1366
    colours = np.unique(pixels.reshape(-1, pixels.shape[-1])[::97], axis=0)
    assert len(colours) > 20, "the screenshot is (nearly) one colour"


@needs_chromium
def test_print_puts_each_section_on_its_own_page(rendered):
    pdf = rendered["pdf"]
    (rendered["folder"] / "report.pdf").write_bytes(pdf)
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))
    assert pages >= len(SECTION_IDS)


@needs_chromium
def test_the_checks_catch_a_broken_page(tmp_path):
    """Mutation check of the browser checks: a page with a failed load and a console error."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<!DOCTYPE html><html><body><img src="missing.png"><script>console.error("boom")</script></body></html>'
    )
    out = render(bad)
    found = problems(out["events"])
    assert any("boom" in p for p in found) and any("missing.png" in p for p in found)
    assert out["requests"] != [bad.resolve().as_uri()]
    assert not {sid for sid in SECTION_IDS} & set(out["ids"])
