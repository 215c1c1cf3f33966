"""Both flows of the web page in a real browser (Debian's headless Chromium, Selenium).

The program manager uploads the sample program, solves it, reads the grid and the views,
downloads a calendar and publishes. Scheduling staff then discharge a client, rerun, read
the change report, admit a new client, accept the best recommended place and publish.
Each step's screenshot is kept in ``test-artefacts/browser/`` (or ``$BROWSER_ARTEFACTS``).

Skipped when Chromium or its driver is missing (``.ci/run`` installs both).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("selenium")
uvicorn = pytest.importorskip("uvicorn")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from solver.web.app import Settings, create_app  # noqa: E402

ROOT = Path(__file__).parents[2]
PROGRAM = ROOT / "instances" / "program.json"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
ARTEFACTS = Path(os.environ.get("BROWSER_ARTEFACTS", ROOT / "test-artefacts" / "browser"))

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or DRIVER is None, reason="Chromium and chromedriver are not installed"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The application under uvicorn in a thread, on a free localhost port."""
    folder = tmp_path_factory.mktemp("web")
    app = create_app(Settings(db_url=f"sqlite:///{folder}/web.db", processes=2, time_limit=5))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    end = time.monotonic() + 30
    while not instance.started and time.monotonic() < end:
        time.sleep(0.05)
    assert instance.started
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=30)


@pytest.fixture(scope="module")
def downloads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("downloads")


@pytest.fixture(scope="module")
def browser(downloads: Path) -> Iterator[WebDriver]:
    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and DRIVER is not None
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


class Steps:
    """Screenshots numbered in the order the flow takes them."""

    def __init__(self, driver: WebDriver, flow: str) -> None:
        self.driver = driver
        self.flow = flow
        self.count = 0
        ARTEFACTS.mkdir(parents=True, exist_ok=True)

    def shot(self, name: str) -> None:
        self.count += 1
        self.driver.save_screenshot(str(ARTEFACTS / f"{self.flow}-{self.count:02d}-{name}.png"))


def wait_for(driver: WebDriver, css: str, timeout: float = 60) -> None:
    WebDriverWait(driver, timeout).until(ec.presence_of_element_located((By.CSS_SELECTOR, css)))


def wait_for_download(folder: Path, suffix: str, timeout: float = 30) -> bool:
    """Whether a whole, non-empty ``suffix`` file lands in ``folder`` in time (Chromium first
    writes a partial file under another name, then may create the final name empty)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if any(p.suffix == suffix and p.stat().st_size > 0 for p in folder.iterdir()):
            return True
        time.sleep(0.2)
    return False


def solve_and_open_roster(driver: WebDriver, steps: Steps, seconds: str) -> None:
    """From a week page: set the time limit, solve, watch the progress, land on the roster."""
    limit = driver.find_element(By.ID, "time-limit")
    limit.clear()
    limit.send_keys(seconds)
    driver.find_element(By.ID, "solve-submit").click()
    wait_for(driver, "#job-state")
    end = time.monotonic() + 10  # the progress page with a roster found, if the solve is slow
    while time.monotonic() < end and driver.find_elements(By.ID, "job-objective"):
        try:
            if any(ch.isdigit() for ch in driver.find_element(By.ID, "job-objective").text):
                break
        except Exception:  # the page moved on to the roster meanwhile
            break
        time.sleep(0.2)
    steps.shot("progress")
    wait_for(driver, "#roster-status", timeout=90)


def test_manager_and_staff_flows(server: str, browser: WebDriver, downloads: Path) -> None:
    steps = Steps(browser, "manager")
    browser.get(server + "/")
    steps.shot("weeks")
    browser.find_element(By.ID, "upload-file").send_keys(str(PROGRAM))
    browser.find_element(By.ID, "upload-submit").click()
    wait_for(browser, "#solve-form")
    steps.shot("week")
    solve_and_open_roster(browser, steps, "5")
    assert browser.find_element(By.ID, "roster-status").text.split()[0] in ("optimal", "feasible")
    assert browser.find_elements(By.CSS_SELECTOR, "#grid")
    steps.shot("grid")
    for tab in ("groups", "therapists", "rooms", "clients"):
        browser.find_element(By.ID, f"tab-{tab}").click()
        wait_for(browser, f"#tab-{tab}[aria-current]")
        steps.shot(f"view-{tab}")
    browser.find_element(By.ID, "tab-program").click()
    wait_for(browser, "#download-ics")
    browser.find_element(By.ID, "download-ics").click()
    assert wait_for_download(downloads, ".zip"), sorted(p.name for p in downloads.iterdir())
    browser.find_element(By.ID, "publish-button").click()
    wait_for(browser, "#published")
    steps.shot("published")
    first_roster = browser.current_url

    steps = Steps(browser, "staff")
    browser.find_element(By.CSS_SELECTOR, "a[href^='/weeks/']").click()
    wait_for(browser, "#change-form")
    placed = _a_placed_client(browser, first_roster)
    Select(browser.find_element(By.ID, "change-kind")).select_by_value("discharge")
    Select(browser.find_element(By.ID, "change-client")).select_by_value(placed)
    browser.find_element(By.ID, "change-submit").click()
    wait_for(browser, "#change-done")
    assert placed in browser.find_element(By.ID, "change-log").text
    steps.shot("discharged")
    solve_and_open_roster(browser, steps, "5")
    browser.find_element(By.ID, "report-link").click()
    wait_for(browser, "#report")
    people = browser.find_elements(By.CSS_SELECTOR, "section.person")
    assert any(p.get_attribute("data-person") == placed for p in people)
    steps.shot("change-report")
    browser.back()
    wait_for(browser, "#publish-button")
    browser.find_element(By.ID, "publish-button").click()
    wait_for(browser, "#published")

    browser.find_element(By.CSS_SELECTOR, "a[href^='/weeks/']").click()
    wait_for(browser, "#change-form")
    Select(browser.find_element(By.ID, "change-kind")).select_by_value("intake")
    newcomer = {
        "id": "C900",
        "population": "adult",
        "level": "iop",
        "track": "substance_use",
        "sites": ["north"],
    }
    browser.execute_script(
        "document.getElementById('change-intake').value = arguments[0];", json.dumps(newcomer)
    )
    browser.find_element(By.ID, "change-submit").click()
    wait_for(browser, "#change-done")
    steps.shot("intake")
    browser.find_element(By.ID, "week-published").click()
    wait_for(browser, "#roster-status")
    client = browser.find_element(By.ID, "recommend-client")
    if client.tag_name == "select":
        Select(client).select_by_value("C900")
    else:
        client.send_keys("C900")
    browser.find_element(By.ID, "recommend-submit").click()
    wait_for(browser, "#options")
    steps.shot("recommendations")
    browser.find_element(By.CSS_SELECTOR, "button.accept[data-rank='1']").click()
    wait_for(browser, "#roster-status")
    assert "C900" in browser.page_source
    steps.shot("accepted")
    browser.find_element(By.ID, "publish-button").click()
    wait_for(browser, "#published")
    steps.shot("published")


def _a_placed_client(browser: WebDriver, roster_url: str) -> str:
    """A client the published roster places, read from its JSON."""
    roster_id = roster_url.rstrip("/").split("/")[-1].split("?")[0]
    browser.get(f"{roster_url.split('/rosters/')[0]}/api/rosters/{roster_id}/roster")
    roster = json.loads(browser.find_element(By.TAG_NAME, "body").text)
    browser.back()
    wait_for(browser, "#change-form")
    client: str = roster["clients"][0]["id"]
    return client
