"""The web map (web/public/) in headless Chromium against the dev server `make run` starts:
log in as a guest, walk by clicking the map, encounter and throw until a creature is
caught, spin a stop, list the collection, and a screenshot with the markers drawn.

Debian's chromium (``make web-deps`` installs it where apt and root allow) driven by
Playwright from PyPI with the system browser: no browser download.
"""
import os
import time
import uuid
from pathlib import Path

import pytest

from devtools.web_static import MOUNTS

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = ROOT / "build" / "web"
# Flags that keep Chromium off the network it would call by itself, and in a container.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# The markers' fill colours (web/public/app.js) and the offline grid's background.
PLAYER = (0x00, 0xC8, 0x53)
SPAWN = (0xFF, 0x6D, 0x00)
STOP = (0x00, 0xB8, 0xD4)
GRID = (0xEE, 0xF2, 0xEA)
# A marker's dot is 18 px wide: well over 100 of its pixels are drawn in its colour.
MARKER_PIXELS = 100

playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (make web-deps: requirements-web.txt)")
image = pytest.importorskip("PIL.Image", reason="Pillow is not installed (make web-deps: requirements-web.txt)")
image_chops = pytest.importorskip("PIL.ImageChops")
if not CHROMIUM.is_file():
    pytest.skip(f"no Chromium at {CHROMIUM}: `make web-deps` installs Debian's chromium when run as "
                "root with apt-get; elsewhere install it (or set CHROMIUM=/path/to/chromium)",
                allow_module_level=True)
if not (MOUNTS["vendor/leaflet/"] / "leaflet.js").is_file():
    pytest.skip("Leaflet is not installed: `make web-deps` (npm ci in web/)", allow_module_level=True)

from tests.e2e.test_make_run import dev_server  # noqa: E402 (after the skips: it starts nothing)

pytestmark = pytest.mark.slow


def colour_pixels(png: Path, colour: tuple, tolerance: int = 12) -> int:
    """How many pixels of the screenshot are within ``tolerance`` of ``colour`` per channel."""
    with image.open(png) as picture:
        channels = picture.convert("RGB").split()
    masks = [channel.point(lambda v, want=want: 255 if abs(v - want) <= tolerance else 0)
             for channel, want in zip(channels, colour, strict=True)]
    both = image_chops.multiply(image_chops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255]


def centre(locator) -> tuple[float, float]:
    box = locator.bounding_box()
    assert box is not None, "not displayed"
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def position(page) -> tuple[float, float]:
    box = page.locator("#player")
    return float(box.get_attribute("data-lat")), float(box.get_attribute("data-lng"))


def wait_still(page, timeout_ms: int = 20000) -> None:
    page.wait_for_selector('#player[data-moving="false"]', state="attached", timeout=timeout_ms)


def click_map_near(page, marker, towards, offset_px: float) -> None:
    """Click the map ``offset_px`` from ``marker``'s centre toward the point ``towards``: a
    click on the map itself (not on the marker), so the player walks there."""
    mx, my = centre(marker)
    tx, ty = towards
    length = max(((tx - mx) ** 2 + (ty - my) ** 2) ** 0.5, 1.0)
    page.mouse.click(mx + (tx - mx) / length * offset_px, my + (ty - my) / length * offset_px)


def catch_one(page, deadline: float) -> str:
    """Walk near spawns and throw until one is caught; the caught creature's line."""
    me = page.locator(".gc-player .gc-dot")
    step = 0
    refused = set()
    while time.monotonic() < deadline:
        # Spawns not tried yet, with time left to walk there and throw.
        fresh = [spawn_id for spawn_id in page.locator("#spawns li.spawn").evaluate_all(
            "rows => rows.filter(r => Number(r.dataset.despawnInMs) > 20000).map(r => r.dataset.id)")
            if spawn_id not in refused]
        if not fresh:
            # Nothing (new) in sight (70 m): walk on by clicking the map, around a square.
            x, y = centre(me)
            dx, dy = [(90, 0), (0, 90), (-90, 0), (0, -90)][step % 4]
            step += 1
            page.mouse.click(x + dx, y + dy)
            page.wait_for_selector('#player[data-moving="true"]', state="attached", timeout=3000)
            wait_still(page)
            page.wait_for_timeout(2500)  # the next map read after the move
            continue
        spawn_id = fresh[0]
        row = page.locator(f'#spawns li.spawn[data-id="{spawn_id}"]')
        encounter = row.locator('button[data-action="encounter"]')
        if encounter.is_disabled():
            # Stop ~25 px (~20 m at zoom 17) short of it, so its marker stays in view.
            click_map_near(page, page.locator(f'.gc-spawn .gc-dot[data-id="{spawn_id}"]'), centre(me), 25)
            wait_still(page)
            page.wait_for_timeout(300)
            if row.count() == 0 or encounter.is_disabled():
                continue
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / "web-map-spawn.png")
        logged = page.locator("#log li").count()
        try:
            encounter.click(timeout=3000)
        except playwright_api.TimeoutError:  # its row went away (it despawned) meanwhile
            refused.add(spawn_id)
            continue
        page.wait_for_function(
            f"!document.getElementById('encounter').hidden || document.querySelectorAll('#log li').length > {logged}",
            timeout=5000)
        if page.locator("#encounter").is_hidden():
            # Refused (it despawned meanwhile, say): the page logged why; try another.
            refused.add(spawn_id)
            continue
        assert page.locator("#encounter").get_attribute("data-encounter-id").startswith("en-")
        for _ in range(30):
            logged = page.locator("#log li").count()
            page.locator("#throw:enabled").click(timeout=5000)
            page.wait_for_function(f"document.querySelectorAll('#log li').length > {logged}", timeout=5000)
            outcome = page.locator("#encounter").get_attribute("data-outcome")
            if outcome != "escaped":
                break
        assert outcome in ("caught", "fled", "over"), page.locator("#log").inner_text()
        if outcome == "caught":
            return page.locator("#encounter-result").inner_text()
        page.locator("#run-away").click()
    raise AssertionError("nothing caught in time:\n" + page.locator("#log").inner_text())


def test_play_in_the_browser(tmp_path):
    started = time.monotonic()
    with dev_server(tmp_path) as (url, _aws), playwright_api.sync_playwright() as pw:
        # A fresh profile (Playwright passes it as --user-data-dir).
        browser = pw.chromium.launch_persistent_context(
            tmp_path / "chromium-profile", executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1280, "height": 800})
        try:
            page = browser.new_page()
            errors = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{url}/play/")
            page.wait_for_selector('body[data-ready="true"]', timeout=10000)

            # Log in as a guest.
            page.fill("#device-id", f"web-test-{uuid.uuid4().hex[:12]}")
            page.click("#login")
            page.wait_for_selector('#player[data-player-id^="pl-"]', state="attached", timeout=10000)
            page.wait_for_selector(".gc-stop .gc-dot", timeout=10000)
            # No tile server on a closed network: the page says so and draws its grid.
            page.wait_for_function("document.getElementById('map').dataset.tiles !== 'pending'",
                                   timeout=10000)
            tiles = page.locator("#map").get_attribute("data-tiles")
            assert tiles in ("offline", "osm"), tiles

            # Walk by clicking the map: 80 px east at 60 km/h.
            page.select_option("#speed", "60")
            before = position(page)
            x, y = centre(page.locator(".gc-player .gc-dot"))
            page.mouse.click(x + 80, y)
            page.wait_for_selector('#player[data-moving="true"]', state="attached", timeout=3000)
            wait_still(page)
            after = position(page)
            assert after[1] > before[1] and abs(after[0] - before[0]) < 1e-4, (before, after)

            caught = catch_one(page, deadline=time.monotonic() + 35)
            assert caught.startswith("caught "), caught

            # Spin the nearest stop: walk next to it first when it is out of reach.
            stop = page.locator("#stops li.stop").first
            stop_id = stop.get_attribute("data-id")
            spin = stop.locator('button[data-action="spin"]')
            if spin.is_disabled():
                click_map_near(page, page.locator(f'.gc-stop .gc-dot[data-id="{stop_id}"]'),
                               centre(page.locator(".gc-player .gc-dot")), 25)
                wait_still(page)
                page.wait_for_function(
                    f"!document.querySelector('#stops li[data-id=\"{stop_id}\"] button[data-action=spin]').disabled",
                    timeout=5000)
            spin.click()
            page.wait_for_function(
                "[...document.querySelectorAll('#log li')].some(li => li.textContent.startsWith('spun '))",
                timeout=5000)
            # The stop shows its cooldown.
            page.wait_for_function(
                f"document.querySelector('#stops li[data-id=\"{stop_id}\"]').dataset.cooldownMs > 0",
                timeout=5000)

            # The collection lists the catch.
            page.click("#show-collection")
            page.wait_for_selector("#creatures li.creature", timeout=5000)
            species = caught.removeprefix("caught ").split(" CP ")[0]
            assert species in page.locator("#creatures").inner_text()
            assert page.locator('#items li[data-item="ball"]').count() == 1

            shot = SCREENSHOTS / "web-map.png"
            page.screenshot(path=shot)
            markers = {kind: page.locator(f".leaflet-marker-icon.gc-{kind}").count()
                       for kind in ("player", "spawn", "stop", "gym")}
            listed = {kind: page.locator(f"#{kind}s li").count() for kind in ("spawn", "stop", "gym")}
            assert errors == [], errors
        finally:
            browser.close()
    elapsed = time.monotonic() - started

    # Every listed object has its marker on the map, and the markers were drawn.
    assert markers["player"] == 1
    for kind, count in listed.items():
        assert markers[kind] == count, (kind, markers, listed)
    assert markers["stop"] >= 1
    assert colour_pixels(shot, PLAYER) >= MARKER_PIXELS
    assert colour_pixels(shot, STOP) >= MARKER_PIXELS
    assert colour_pixels(SCREENSHOTS / "web-map-spawn.png", SPAWN) >= MARKER_PIXELS
    if tiles == "offline":
        # The grid's background fills most of the map (920 x 800 px of 1280 x 800).
        assert colour_pixels(shot, GRID, tolerance=2) > 300_000
    print(f"web map session: {elapsed:.1f} s; markers {markers}; tiles {tiles}; screenshots in {SCREENSHOTS}")
