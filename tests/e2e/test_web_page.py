"""The demo's web chat page in headless Chromium, against the real bot through the sandbox.

Selenium is synchronous, so each browser step runs in a thread (``asyncio.to_thread``) while the sandbox and
the bot keep running in the test's event loop. The browser is Debian's Chromium with its chromedriver; nothing
is downloaded (``SE_OFFLINE``). Set ``JSIKA_SCREENSHOTS=/some/dir`` to keep the phone-sized screenshot.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import struct
import tempfile
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select
from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.app import build_application
from bot.config import Settings
from bot.demo import demo_services
from bot.demo.people import demo_telegram_id
from bot.service import DEMO_TOKEN, running
from handlers.context import AppType
from models import demo_mark, users
from models.db import Database
from models.tables import Role, User
from tests.e2e.harness import Clock, utc

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"

# scripts/test.sh installs them; only a developer machine without root may lack them. In CI a missing browser
# must fail, not hide the page's test.
pytestmark = pytest.mark.skipif(
    not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()) and os.environ.get("CI") != "true",
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)",
)

WAIT_SECONDS = 15


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    """One headless Chromium for the module, phone-sized (360 × 740 CSS pixels)."""
    os.environ["SE_OFFLINE"] = "true"  # never let selenium-manager fetch a browser or driver
    profile = tempfile.mkdtemp(prefix="jsika-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--window-size=360,740",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 360, "height": 740, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


@dataclass
class Demo:
    url: str
    application: AppType


@pytest.fixture
async def demo(db: Database) -> AsyncIterator[Demo]:
    """``jsika demo`` in miniature: a few roster people, the demo services and the real bot, as bot.service wires them."""
    async with db.session() as session:
        await demo_mark.claim_for_demo(session)  # as the demo does on the empty database it starts with
    async with db.session() as session:
        await users.add_user(session, name="Siti Aminah", phone="0812-3456-7890", role=Role.PENDAMPING, area="36.02.05")
        await users.add_user(session, name="Pak Dedi", phone="081200000002", role=Role.KOORDINATOR, area="36.02")
        await users.add_user(session, name="Ibu Admin", phone="081100000001", role=Role.ADMIN, area="36")
    settings = Settings(database_url=db.url)
    async with demo_services(settings, db, port=0, households=0) as services:
        application = build_application(
            settings,
            db,
            token=DEMO_TOKEN,
            base_url=services.sandbox.bot_api_base_url,
            base_file_url=services.sandbox.file_base_url,
            clock=Clock(utc(2026, 11, 24)),
        )
        async with running(application, timeout=1):
            yield Demo(services.sandbox.url, application)


# -- browser helpers (run in a thread) --------------------------------------------------------------------
# The page replaces a bubble's node when the bot edits it, so element handles can go stale between two calls:
# reading is one atomic script, clicking retries inside the wait.

_BUBBLE = """
const [side, needle] = arguments;
const nodes = [...document.querySelectorAll(`#messages .msg.${side}`)].reverse();
const node = nodes.find((n) => n.innerText.includes(needle));
if (!node) return null;
const texts = (css) => [...node.querySelectorAll(css)].map((e) => e.innerText);
return {
  text: node.innerText, b: texts("b"), i: texts("i"), code: texts("code"),
  links: [...node.querySelectorAll("a")].map((a) => a.href),
  images: node.querySelectorAll("img").length,
  docs: [...node.querySelectorAll("a.doc")].map((a) => [a.innerText, a.href]),
};
"""


def _wait(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str) -> Any:
    waiting = WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=(StaleElementReferenceException,))
    return waiting.until(condition, message=f"timed out waiting for {what}")


def _bubble(driver: WebDriver, text: str, side: str = "bot") -> dict[str, Any]:
    """What the newest message bubble on ``side`` containing ``text`` shows (its text, tags, links)."""
    found: dict[str, Any] = _wait(driver, lambda d: d.execute_script(_BUBBLE, side, text), f"{side} message {text!r}")
    return found


def _click(driver: WebDriver, css: str, label: str) -> None:
    def press(d: WebDriver) -> bool:
        for node in d.find_elements(By.CSS_SELECTOR, css):
            if label in node.text and node.is_displayed() and node.is_enabled():
                node.click()
                return True
        return False

    _wait(driver, press, f"button {label!r} in {css}")


def _texts(driver: WebDriver) -> str:
    return str(driver.find_element(By.ID, "messages").text)


def _pick(driver: WebDriver, url: str, name: str) -> None:
    driver.get(url)
    _click(driver, "button.person", name)
    _click(driver, "#start-bar button", "MULAI")


# -- tests ----------------------------------------------------------------------------------------------------


async def test_pendamping_registers_and_switches_language_in_the_web_page(
    browser: WebDriver, demo: Demo, db: Database, tmp_path: Path
) -> None:
    screenshot = tmp_path / "web-page-phone.png"

    def journey(driver: WebDriver) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        driver.get(demo.url)
        _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "button.person"), "the roster")
        seen["headings"] = [h.text for h in driver.find_elements(By.CSS_SELECTOR, ".people h2")]
        seen["people"] = len(driver.find_elements(By.CSS_SELECTOR, "button.person"))
        _pick(driver, demo.url, "Siti Aminah")

        welcome = _bubble(driver, "Selamat datang")
        seen["bold"], seen["code"] = welcome["b"], welcome["code"]
        _click(driver, "#reply-keyboard button", "Bagikan nomor")
        _bubble(driver, "+6281234567890", side="user")
        seen["greeting"] = _bubble(driver, "Terima kasih, Siti Aminah")["text"]

        field = driver.find_element(By.ID, "composer-input")
        field.send_keys("/bahasa", Keys.ENTER)
        _click(driver, ".inline-keyboard button", "English")
        _bubble(driver, "Language changed to English")
        _wait(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".inline-keyboard button"), "buttons removed")

        driver.save_screenshot(str(screenshot))
        driver.find_element(By.ID, "menu-button").click()
        seen["menu"] = _wait(driver, lambda d: d.find_element(By.ID, "command-menu").text, "the command menu")
        driver.find_element(By.ID, "menu-button").click()
        return seen

    seen = await asyncio.to_thread(journey, browser)

    assert seen["headings"] == ["ADMIN DINAS SOSIAL PROVINSI", "KOORDINATOR KABUPATEN/KOTA", "PENDAMPING"]
    assert seen["people"] == 3
    assert "JSiKa Bot" in seen["bold"]  # <b> from the bot's HTML, rebuilt from entities
    assert "/start KODE" in seen["code"]
    assert "pendamping" in seen["greeting"]
    assert "/kpm" in seen["menu"] and "/undang" not in seen["menu"]  # the pendamping's menu, set at registration
    async with db.session() as session:
        siti = await session.scalar(select(User).where(User.phone == "+6281234567890"))
    assert siti is not None
    assert siti.telegram_id == demo_telegram_id(siti.id, None)  # the page's stable id, so a return visit resumes
    assert siti.language == "en"
    assert screenshot.stat().st_size > 0
    keep = os.environ.get("JSIKA_SCREENSHOTS")
    if keep:
        shutil.copy(screenshot, Path(keep) / screenshot.name)


def _png(width: int = 8, height: int = 6) -> bytes:
    """A tiny valid PNG (a blue rectangle), without an imaging library."""
    raw = b"".join(b"\x00" + b"\x2b\x6a\x8f" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


async def test_stranger_sees_formatting_media_edits_deletions_and_button_answers(
    browser: WebDriver, demo: Demo, tmp_path: Path
) -> None:
    photo = tmp_path / "rumah.png"
    photo.write_bytes(_png())

    def first_visit(driver: WebDriver) -> dict[str, Any]:
        driver.get(demo.url)
        driver.execute_script("localStorage.clear()")
        driver.get(demo.url)
        _click(driver, "#stranger-button", "orang asing")
        _click(driver, "#start-bar button", "MULAI")
        _bubble(driver, "nomor telepon")

        driver.find_element(By.ID, "attach-button").click()
        _click(driver, "#attach-menu button", "Kirim lokasi")
        preset = (
            driver.find_element(By.ID, "latitude").get_attribute("value"),
            driver.find_element(By.ID, "longitude").get_attribute("value"),
        )
        driver.find_element(By.ID, "location-send").click()
        location = _bubble(driver, "Lokasi", side="user")["text"]

        driver.find_element(By.ID, "photo-input").send_keys(str(photo))
        loaded = "const img = document.querySelector('.msg.user img.photo'); return img ? img.naturalWidth : 0"
        _wait(driver, lambda d: d.execute_script(loaded) == 8, "the photo, loaded from the sandbox")
        person = driver.execute_script("return JSON.parse(localStorage.getItem('jsika-demo-person'))")
        return {"preset": preset, "location": location, "person": person}

    seen = await asyncio.to_thread(first_visit, browser)
    latitude, longitude = (float(value) for value in seen["preset"])
    assert -7.1 < latitude < -5.8 and 105.0 < longitude < 106.9  # a point in Banten, offered as a preset
    assert f"{latitude:.5f}" in seen["location"]
    chat_id = int(seen["person"]["id"])
    assert seen["person"]["phone"].startswith("+62")

    bot = demo.application.bot
    await bot.send_message(
        chat_id,
        '<b>tebal</b> <i>miring</i> <code>kode</code> <a href="https://example.org/panduan">panduan</a> '
        '<a href="javascript:alert(1)">jahat</a> &lt;img src=x onerror=alert(1)&gt;',
        parse_mode=ParseMode.HTML,
    )
    await bot.send_document(chat_id, b"kk;nama\n3602;Hidayat\n", filename="rekap.csv")
    first = await bot.send_message(chat_id, "versi pertama")
    doomed = await bot.send_message(chat_id, "pesan yang akan dihapus")
    await bot.delete_message(chat_id, doomed.message_id)
    await bot.edit_message_text("versi kedua", chat_id=chat_id, message_id=first.message_id)
    await bot.send_message(
        chat_id, "Tombol lama", reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("Coba", callback_data="x:1")]])
    )

    def second_look(driver: WebDriver) -> dict[str, Any]:
        found: dict[str, Any] = {"formatted": _bubble(driver, "tebal"), "document": _bubble(driver, "rekap.csv")}
        found["edited"] = _bubble(driver, "versi kedua")["text"]
        _click(driver, ".inline-keyboard button", "Coba")
        found["toast"] = _wait(
            driver,
            lambda d: d.find_element(By.ID, "toast").is_displayed() and d.find_element(By.ID, "toast").text,
            "the callback answer",
        )
        found["all"] = _texts(driver)
        return found

    found = await asyncio.to_thread(second_look, browser)
    formatted = found["formatted"]
    assert formatted["b"] == ["tebal"] and formatted["i"] == ["miring"] and formatted["code"] == ["kode"]
    assert formatted["links"] == ["https://example.org/panduan"]  # the javascript: link is shown as text only
    assert formatted["images"] == 0
    assert "<img src=x onerror=alert(1)>" in formatted["text"]
    [(label, href)] = found["document"]["docs"]
    assert "rekap.csv" in label
    async with httpx.AsyncClient() as client:
        download = await client.get(href)
    assert download.content == b"kk;nama\n3602;Hidayat\n"
    assert "diedit" in found["edited"]
    assert "versi pertama" not in found["all"]
    assert "pesan yang akan dihapus" not in found["all"]
    assert found["toast"] == "Tombol ini sudah tidak berlaku."
