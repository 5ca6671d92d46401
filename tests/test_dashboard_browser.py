"""The supervisor dashboard in a real headless Chromium, against a live server on a demo
database: the charts really draw (SVG geometry and the pixels of a screenshot), numbers
drill down to conversations, filters travel in the URL, agents are turned away."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from pydantic import SecretStr

from .browser_support import chromium, console_services, live_server, needs_chromium, open_page
from .png_pixels import near, summary

pytestmark = needs_chromium
PASSWORD = "correct horse battery"
USERS = {"sup": "supervisor", "wei": "agent"}
TEAL, RED = "#0f766e", "#be123c"  # the first chart colour; pain points
PAGE_ERRORS: dict[int, list[str]] = {}  # uncaught script errors per page


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path, nlu: Any) -> Iterator[str]:
    import shutil

    from bot.app import create_app
    from bot.demo_data import seed

    path = tmp_path_factory.mktemp("dashboard") / "careline.db"
    shutil.copy(sqlite_template, path)
    settings, services = console_services(f"sqlite:///{path}", nlu, USERS, PASSWORD,
                                          secret_key=SecretStr("dashboard-browser-test-secret"))
    seed(services.db, tz=settings.tz)
    with live_server(create_app(settings, services), services=services) as url:
        yield url


@pytest.fixture(scope="module")
def browser(live: str) -> Iterator[Any]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    with open_page(browser, request, viewport=(1366, 900), console_errors=False,
                   shot_prefix="dashboard") as seen:
        PAGE_ERRORS[id(seen.page)] = seen.errors
        yield seen.page


def login(page: Any, live: str, username: str) -> None:
    page.goto(f"{live}/console")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")
    page.wait_for_selector(f"#whoami:has-text('{username.capitalize()}')")


def open_dashboard(page: Any, live: str, query: str = "") -> None:
    login(page, live, "sup")
    page.click("#nav a[data-route='dashboard']")
    if query:
        page.goto(f"{live}/console#/dashboard?{query}")
    page.wait_for_selector("#tiles .tile")


def test_tiles_and_charts_really_draw(page: Any, live: str) -> None:
    open_dashboard(page, live)
    tiles = page.locator("#tiles .tile")
    assert tiles.count() == 16
    assert page.locator("#tiles .tile.rag-green").count() >= 1
    assert page.locator("#tiles .tile.rag-red, #tiles .tile.rag-amber").count() >= 1
    csat = page.locator(".tile[data-metric='csat']")
    assert "vs the previous 7 days" in csat.inner_text() and "target: ≥4.50 green" in csat.inner_text()
    assert page.is_visible("#demo-banner") and "DEMO DATA" in page.inner_text("#demo-banner")
    page.wait_for_selector("#voice #pain-points li")

    charts = page.locator("#trends svg.line-chart")
    assert charts.count() == 6
    for i in range(charts.count()):  # each line has real extent on the page
        box = charts.nth(i).locator("path.series").first.bounding_box()
        assert box is not None and box["width"] > 150, i
    tall = [page.locator("#trend-bot path.series").nth(k).bounding_box() for k in range(3)]
    assert all(b is not None and b["height"] > 2 for b in tall)
    assert page.locator("#trend-satisfaction circle.point").count() >= 10

    total, colours = summary(page.locator("#trend-satisfaction").screenshot())
    teal = sum(n for c, n in colours.items() if near(c, TEAL))
    assert teal > 300, f"only {teal} chart-coloured pixels of {total}"
    assert len(colours) > 20 and colours.most_common(1)[0][1] < total * 0.97  # not blank
    total, colours = summary(page.locator("#complaints-by-topic").screenshot())
    assert sum(n for c, n in colours.items() if near(c, RED)) > 200
    assert PAGE_ERRORS.get(id(page), []) == []


def _charts_fill_their_column_and_legends_fit(page: Any) -> None:
    figures = page.locator("#trends figure.chart-figure")
    expect(figures).to_have_count(6)
    for i in range(6):
        figure = figures.nth(i)
        box = figure.bounding_box()
        assert box is not None
        # drawn again at the width its column has (not stretched from a fixed drawing)
        expect(figure.locator("svg.line-chart")).to_have_attribute("width", str(int(box["width"])))
        items = figure.locator(".chart-legend li")
        assert items.count() >= 1
        for k in range(items.count()):  # every legend entry whole, inside its chart's column
            item = items.nth(k).bounding_box()
            assert item is not None and item["x"] >= box["x"] - 0.5, (i, k)
            assert item["x"] + item["width"] <= box["x"] + box["width"] + 0.5, (i, k)


def test_trend_charts_fill_their_column_with_whole_legends_and_one_unit(page: Any, live: str) -> None:
    open_dashboard(page, live)
    _charts_fill_their_column_and_legends_fit(page)
    panel = page.locator("#trends").bounding_box()
    first = page.locator("#trends figure.chart-figure").first.bounding_box()
    assert panel is not None and first is not None and first["width"] > 0.45 * panel["width"]
    legends = page.locator("figure.chart-figure", has=page.locator("#trend-bot")).locator(".chart-legend li")
    assert legends.all_inner_texts() == ["Bot containment", "Handoff rate", "First-contact resolution"]

    # The agents' response time: the tile says minutes, and so do the axis and every point.
    tile = page.inner_text(".tile[data-metric='agent_first_response_s'] .tile-value")
    assert tile.endswith(" min"), tile
    response = page.locator("#trend-response")
    assert response.locator("text.unit").text_content() == "min"
    ticks = [float(x) for x in response.locator("text.tick:not(.unit)").all_text_contents()
             if "-" not in x]  # (the week labels are dates)
    assert ticks and max(ticks) < 30, ticks  # minutes, not seconds
    tips = response.locator("circle.point title").all_text_contents()
    assert tips and all(tip.endswith(" min") for tip in tips), tips
    assert page.locator("#trend-bot text.unit").text_content() == "%"

    page.set_viewport_size({"width": 560, "height": 900})  # one column: drawn again, narrower
    _charts_fill_their_column_and_legends_fit(page)
    page.click("#lang")
    page.wait_for_selector(".tile[data-metric='csat'] h3:has-text('满意度 CSAT')")
    _charts_fill_their_column_and_legends_fit(page)
    assert page.locator("#trend-response text.unit").text_content() == "分钟"
    assert PAGE_ERRORS.get(id(page), []) == []


def test_a_number_drills_down_to_its_conversation(page: Any, live: str) -> None:
    open_dashboard(page, live, "period=30d")
    page.locator(".tile[data-metric='handoff_pct'] .tile-value").click()
    rows = page.locator("#drill-table tr.drill-row")
    rows.first.wait_for()
    assert "Conversations behind: Handoff rate" in page.inner_text("#drill-title")
    assert "handoff" in rows.first.inner_text()
    rows.first.locator("a").click()
    page.wait_for_url("**/console#/c/c_demo*")
    page.locator(".bubble.customer").first.wait_for()
    assert page.locator(".bubble.customer").count() >= 1
    assert PAGE_ERRORS.get(id(page), []) == []


def test_the_region_service_table_flags_drops_and_opens_the_answers(page: Any, live: str) -> None:
    open_dashboard(page, live, "period=30d")
    cells = page.locator("#matrix td.cell")
    assert cells.count() >= 8
    flagged = page.locator("#matrix td.cell.alert")
    target = flagged.first if flagged.count() else cells.first
    region = target.get_attribute("data-region")
    target.locator("button").click()
    page.locator("#drill-table tr.drill-row").first.wait_for()
    assert region in page.inner_text("#drill-title")
    assert "CSAT" in page.inner_text("#drill-table")


def test_filters_are_kept_in_the_url_and_bad_ones_are_explained(page: Any, live: str) -> None:
    open_dashboard(page, live)
    before = page.inner_text(".tile[data-metric='containment_pct'] .small")
    page.select_option("#f-channel", "web")
    # fewer contacts on one channel: the tile is drawn again with a smaller basis
    expect(page.locator(".tile[data-metric='containment_pct'] .small")).not_to_have_text(before)
    assert "channel=web" in page.evaluate("location.hash")
    assert page.locator("#f-channel").input_value() == "web"
    assert "n/a" in page.inner_text(".tile[data-metric='redemption_pct']")  # points have no channel
    page.goto(f"{live}/console#/dashboard?region={quote('Atlantis')}")
    page.wait_for_selector("#dash-status.error")
    assert "unknown region 'Atlantis'" in page.inner_text("#dash-status")


def test_chinese_labels(page: Any, live: str) -> None:
    open_dashboard(page, live)
    page.click("#lang")
    page.wait_for_selector("#nav a[data-route='dashboard']:has-text('数据看板')")
    page.wait_for_selector(".tile[data-metric='csat'] h3:has-text('满意度 CSAT')")
    assert "对比前 7 天" in page.inner_text(".tile[data-metric='csat']")
    assert "演示数据" in page.inner_text("#demo-banner")


def test_an_agent_is_turned_away(page: Any, live: str) -> None:
    login(page, live, "wei")
    assert not page.is_visible("#nav a[data-route='dashboard']")
    page.goto(f"{live}/console#/dashboard")
    page.wait_for_selector("#forbidden")
    assert "403" in page.inner_text("#forbidden")
    assert page.request.get(f"{live}/api/console/dashboard").status == 403
