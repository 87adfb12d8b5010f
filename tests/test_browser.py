"""The sliders in a real browser: JupyterLab, headless Chromium, a live kernel.

A JupyterLab server runs a small notebook that calls ``aelatent.widgets.fact_explorer``
as notebook VII does, or ``trailing_explorer`` as notebook XIV does (with a stand-in
decoder, so no model is trained); Selenium
runs its cells, moves the slider with the keyboard as a reader would, and checks
that the kernel re-sampled: the caption the kernel writes names the new value
and the image the kernel draws changes.

Needs Debian's ``chromium`` and ``chromium-driver`` (``make setup`` installs them
where it can, ``.ci/run`` always): without them the test is skipped with a reason
locally and fails in CI.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

#: The two sliders of the series, each as a reader's notebook would call it: (call, parameter).
EXPLORERS = {
    "fact": ("fact_explorer(z, decode, fact=0.5, seed=0, n_images=6, ncols=3)", "fact"),
    "tau": ("trailing_explorer(z, decode, 'neighbours', tau=0.5, seed=0, n_images=6, ncols=3)",
            "trailing_scale"),
}

NOTEBOOK_CELL = '''\
import numpy as np
from aelatent.widgets import fact_explorer, trailing_explorer

rng = np.random.default_rng(0)
z = rng.normal(size=(400, 6)) * np.array([3, 2.5, 2, 0.6, 0.5, 0.4]) + 3.0

def decode(vectors):
    """A stand-in decoder: an 8x8 image whose colour encodes the first three components."""
    colour = 1 / (1 + np.exp(-(np.asarray(vectors)[:, :3] - 3.0) * 4))
    return np.broadcast_to(colour[:, None, None, :], (len(vectors), 8, 8, 3)).copy()

explorer = {call}
explorer.show(static=False)
'''


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(condition, timeout, what):
    from selenium.common.exceptions import StaleElementReferenceException

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            value = condition()
        except StaleElementReferenceException:      # re-rendered while read: look again
            value = None
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _prompt(browser):
    """The code cell's input prompt: '[ ]:' before it runs, '[*]:' while, '[1]:' after."""
    from selenium.webdriver.common.by import By

    from selenium.common.exceptions import WebDriverException

    try:
        prompts = browser.find_elements(By.CSS_SELECTOR, ".jp-CodeCell .jp-InputPrompt")
        return prompts[0].text.strip() if prompts else ""
    except WebDriverException:              # re-rendered while read
        return ""


def _run_all_cells(browser, attempts=5):
    """Run > Run All Cells, as a reader does, until the cell's prompt shows it was queued.

    JupyterLab enables the menu entry only once the notebook panel has the focus and
    its kernel session is connected, and it re-renders the panel meanwhile; on a loaded
    machine a first click can land before that and do nothing, or on an element that is
    gone. So each try starts afresh and is repeated until the prompt leaves '[ ]:' for
    '[*]:' or '[1]:' (a cell runs once).
    """
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    find = browser.find_elements
    for _ in range(attempts):
        try:
            _wait_for(lambda: find(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"), 30, "the cell")
            find(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")[0].click()     # focus the notebook
            menu = _wait_for(lambda: [m for m in find(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel")
                                      if m.text == "Run"], 30, "the Run menu")
            menu[0].click()
            entry = _wait_for(lambda: find(By.CSS_SELECTOR, "li[data-command='runmenu:run-all']"),
                              10, "Run All Cells")[0]
            if "lm-mod-disabled" in (entry.get_attribute("class") or ""):
                browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
                time.sleep(2)
                continue
            entry.click()
        except WebDriverException:          # re-rendered under the click: try again
            time.sleep(2)
            continue
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if _prompt(browser) not in ("", "[ ]:"):
                return
            time.sleep(0.25)
    raise AssertionError(f"Run All Cells did not start the cell after {attempts} tries "
                         f"(prompt {_prompt(browser)!r})")


@pytest.fixture(params=list(EXPLORERS))
def slider(request):
    """Which slider the notebook shows: its call and the parameter its caption names."""
    return EXPLORERS[request.param]


@pytest.fixture
def jupyterlab(tmp_path, slider):
    """A JupyterLab server on localhost serving a one-cell notebook with the slider."""
    if not (CHROMIUM and CHROMEDRIVER):
        message = ("needs Debian's chromium and chromium-driver (apt-get install chromium "
                   "chromium-driver; make setup does it as root)")
        if os.environ.get("CI"):
            pytest.fail(f"{message}: CI must provide them", pytrace=False)
        pytest.skip(message)
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {},
                           "outputs": [], "source": NOTEBOOK_CELL.format(call=slider[0])}],
                "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "slider.ipynb").write_text(json.dumps(notebook))
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "config"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
         f"--ServerApp.root_dir={tmp_path}", "--ServerApp.allow_root=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class="
         "jupyterlab.NeverCheckForUpdate"],
        env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "server.log").open("w"))
    try:
        _wait_for(lambda: _port_open(port) or server.poll() is not None, 60, "JupyterLab to listen")
        assert server.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
        yield f"http://127.0.0.1:{port}/lab/tree/slider.ipynb?token={token}"
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()


def _port_open(port):
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_moving_the_slider_resamples_in_the_kernel(jupyterlab, browser, slider, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    parameter = slider[1]
    browser.get(jupyterlab)
    find = browser.find_elements
    _wait_for(lambda: find(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"), 120, "the notebook to open")
    _wait_for(lambda: "Idle" in browser.find_element(By.TAG_NAME, "body").text
              or find(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator[data-status='idle']"),
              120, "the kernel to start")
    _run_all_cells(browser)

    def caption():
        labels = [e.text for e in find(By.CSS_SELECTOR, ".jupyter-widgets.widget-html")]
        return next((t for t in labels if t.startswith(f"{parameter} =")), "")

    def image_src():
        images = find(By.CSS_SELECTOR, "img.jupyter-widgets, .widget-image img, img.widget-image")
        return images[0].get_attribute("src") if images else ""

    def outputs():
        return " | ".join(e.text[-300:] for e in find(By.CSS_SELECTOR, ".jp-OutputArea-output"))

    try:
        _wait_for(lambda: caption().startswith(f"{parameter} = 0.50"), 120,
                  "the explorer's first grid")
    except AssertionError as error:
        browser.save_screenshot(str(tmp_path / "first_grid.png"))
        raise AssertionError(f"{error}; cell prompt {_prompt(browser)!r}, outputs "
                             f"{outputs()!r}, screenshot {tmp_path / 'first_grid.png'}") from None
    first_image = _wait_for(image_src, 30, "the grid image")
    handle = _wait_for(lambda: find(By.CSS_SELECTOR, ".widget-slider .noUi-handle"), 10,
                       "the slider handle")[0]
    handle.click()
    for _ in range(4):                       # four steps of 0.05, as the arrow keys move it
        handle.send_keys(Keys.ARROW_RIGHT)
    _wait_for(lambda: caption().startswith(f"{parameter} = 0.70"), 60,
              f"the kernel to re-sample at {parameter} 0.70 (caption now {caption()!r})")
    _wait_for(lambda: image_src() and image_src() != first_image, 30, "a new grid image")
    assert "6 vectors" in caption()
    browser.save_screenshot(str(tmp_path / "slider.png"))
    assert Path(tmp_path / "slider.png").stat().st_size > 0
