"""A clinician's path in a real browser: Debian's chromium driven by Playwright.

Live server, real Celery worker, the real model code (a small untrained checkpoint): log in, find
the analysed study on the worklist, open it, see the image render, lay a heat map over it, change
window/level, give feedback, log out. Screenshots go to TEST_ARTIFACTS_DIR (default
var/test-artifacts/browser). No browser is ever downloaded: without /usr/bin/chromium
(`apt-get install chromium`) the test is skipped and says why.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import requests
from django.db import connections

from consilium.accounts.services import user_create
from consilium.analyses.models import Analysis, AnalysisStatus
from consilium.feedback.models import FindingLabel
from consilium.imaging.models import Study
from consilium.imaging.selectors import study_get_by_uid
from consilium.registry.services import model_version_register
from tests.helpers import site_token, upload_study, wait_for

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(
    os.environ.get(
        "TEST_ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
    )
)
PASSWORD = "browser-pass-1"

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian chromium at /usr/bin/chromium"),
]


@pytest.fixture
def browser_page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # ordinary blocking calls between browser steps.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        yield page
        browser.close()
        # ORM calls made while Playwright's loop ran keep their connection in its context, where
        # the test database's teardown does not look; left open, it blocked DROP DATABASE.
        connections.close_all()


def canvas_brightness(page) -> float:
    """Mean grey level of the viewer's canvas, read back from the browser."""
    return page.evaluate(
        """() => {
            const canvas = document.querySelector('[data-testid=viewer-canvas]');
            const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
            let total = 0;
            for (let i = 0; i < data.length; i += 4) total += data[i];
            return total / (data.length / 4);
        }"""
    )


def analysed_study(base: str, checkpoint_dir: Path) -> tuple[Study, Analysis, str]:
    model_version_register(checkpoint_dir=checkpoint_dir, activate=True)
    site, token = site_token("browser")
    user_create(site=site, username="dr-browser", password=PASSWORD)
    sent_uid = upload_study(base, token, "CT_small.dcm")
    created = requests.post(
        f"{base}/api/v1/analyses",
        json={"study_instance_uid": sent_uid},
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert created.status_code == 202, created.text

    def finished() -> Analysis | None:
        analysis = Analysis.objects.filter(pk=created.json()["id"]).first()
        return analysis if analysis is not None and analysis.is_finished else None

    analysis = wait_for(finished, 180, "the analysis to finish", every=0.5)
    assert analysis.status == AnalysisStatus.SUCCEEDED, analysis.error
    return analysis.study, analysis, token


def test_clinician_reads_a_study_with_heat_map_and_gives_feedback(
    live_server, celery_worker_process, checkpoint_dir, browser_page
) -> None:
    page = browser_page
    base = live_server.url
    study, analysis, token = analysed_study(base, checkpoint_dir)
    shots = ARTIFACTS / "browser"
    shots.mkdir(parents=True, exist_ok=True)

    # Log in; the worklist shows the analysed study.
    page.goto(f"{base}/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "dr-browser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    row = page.locator("[data-testid=worklist-row]").filter(has_text=study.patient.pseudonym)
    row.wait_for()
    assert "succeeded" in row.locator("[data-testid=analysis-status]").inner_text().lower()
    assert "Decision support, not a diagnosis" in page.content()
    page.screenshot(path=str(shots / "worklist.png"), full_page=True)

    # Open the study: the viewer decodes and draws the CT image.
    row.locator(f"a[href='/studies/{study.pk}/']").first.click()
    viewer = page.locator("[data-testid=viewer]")
    page.wait_for_selector("[data-testid=viewer][data-state=ready]")
    assert canvas_brightness(page) > 5, "the canvas stayed black"

    # Flagged findings are explained by themselves; an untrained model may flag none, so ask.
    if not analysis.predictions.filter(positive=True).exists():
        top = max(analysis.predictions.all(), key=lambda p: p.probability).finding
        page.select_option("form.explain-form select[name=finding]", top)
        page.click("form.explain-form button[type=submit]")
    page.wait_for_selector("[data-testid=show-heatmap]", timeout=180_000)  # reloads when done
    page.wait_for_selector("[data-testid=viewer][data-state=ready]")

    # Heat map: on, opacity, off, on again.
    page.click("[data-testid=show-heatmap]")
    page.wait_for_selector("[data-testid=viewer][data-overlay=on]")
    page.locator("[data-testid=overlay-opacity]").fill("80")
    page.screenshot(path=str(shots / "study-heatmap.png"), full_page=True)
    page.uncheck("[data-testid=overlay-toggle]")
    page.wait_for_selector("[data-testid=viewer][data-overlay=off]")
    page.check("[data-testid=overlay-toggle]")
    page.wait_for_selector("[data-testid=viewer][data-overlay=on]")

    # Window/level: a drag on the image changes it; a preset sets it.
    before = viewer.get_attribute("data-window")
    box = page.locator("[data-testid=viewer-canvas]").bounding_box()
    centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(centre_x, centre_y)
    page.mouse.down()
    page.mouse.move(centre_x + 120, centre_y + 60, steps=8)
    page.mouse.up()
    after = viewer.get_attribute("data-window")
    assert after != before, "dragging did not change window/level"
    page.select_option("[data-testid=window-preset]", label="Lung (W 1500 / L -600)")
    assert viewer.get_attribute("data-window") == "-600,1500"
    page.screenshot(path=str(shots / "study-window-level.png"), full_page=True)

    # Feedback: agree with the first finding, disagree with the second, add a comment.
    findings = [p.finding for p in analysis.predictions.all()]
    page.check(f"input[name='verdict-{findings[0]}'][value=agree]")
    page.check(f"input[name='verdict-{findings[1]}'][value=disagree]")
    page.fill("[data-testid=feedback-comment]", "Read in the browser test.")
    page.click("[data-testid=feedback-submit]")
    page.wait_for_selector("[data-testid=viewer][data-state=ready]")
    labels = {label.finding: label.verdict for label in FindingLabel.objects.filter(study=study)}
    assert labels == {findings[0]: "agree", findings[1]: "disagree"}
    assert "dr-browser" in page.locator("[data-testid=feedback]").inner_text()

    # A multi-frame MR: the wheel and the arrow keys step through its frames.
    cine = study_get_by_uid(site=study.site, uid=upload_study(base, token, "emri_small.dcm"))
    page.goto(f"{base}/studies/{cine.pk}/")
    page.wait_for_selector("[data-testid=viewer][data-state=ready]")
    position = page.locator("[data-position]")
    assert "Image 6 of 10" in position.inner_text()  # opens on the middle frame
    page.locator("[data-testid=viewer-canvas]").hover()
    page.mouse.wheel(0, 120)
    page.wait_for_function(
        "document.querySelector('[data-position]').textContent.includes('Image 7 of 10')"
    )
    page.locator("[data-testid=viewer-canvas]").press("ArrowUp")
    page.locator("[data-testid=viewer-canvas]").press("ArrowUp")
    page.wait_for_function(
        "document.querySelector('[data-position]').textContent.includes('frame 5/10')"
    )
    page.wait_for_selector("[data-testid=viewer][data-state=ready]")
    assert canvas_brightness(page) > 5

    # Log out.
    page.click("header form button")
    page.wait_for_url(f"{base}/accounts/login/")
    page.goto(f"{base}/studies/{study.pk}/")
    assert "/accounts/login/" in page.url

    # An auditor of the site finds the clinician's visit in the audit trail and exports it.
    user_create(site=study.site, username="audit-browser", password=PASSWORD, role="auditor")
    page.fill("#id_username", "audit-browser")
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.click("[data-testid=nav-audit]")
    page.select_option("select[name=action]", "study.viewed")
    page.fill("input[name=actor]", "dr-browser")
    page.click("[data-testid=audit-filters] button[type=submit]")
    viewed = page.locator("[data-testid=audit-event][data-action='study.viewed']")
    viewed.first.wait_for()
    assert f"imaging.study:{study.pk}" in page.locator("[data-testid=audit-table]").inner_text()
    assert page.locator("[data-testid=audit-event]").count() == viewed.count()
    page.screenshot(path=str(shots / "audit-trail.png"), full_page=True)
    with page.expect_download() as download:
        page.click("[data-testid=audit-csv]")
    exported = Path(download.value.path()).read_text()
    assert exported.startswith("created_at,actor_kind,") and "dr-browser" in exported
