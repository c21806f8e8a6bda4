"""In Chromium: a technician walks devices from receipt to ready at the scan station, with the
keyboard (recording diagnosis, erasure and check through the pages), offline then synced, and
with a (fake) camera; the pages pass axe-core."""

from __future__ import annotations

import io

import pytest

from collecte.domain.codes import format_code, new_code
from collecte.domain.models import Device
from collecte.domain.scanner import US_TO_AZERTY, read_scan
from collecte.services import workshop
from tests import services_check
from tests.e2e.conftest import CHROMIUM_ARGS, assert_accessible, login


def _world(make):
    world = make.world()
    device = make.device("pledged", operator=world.operator, make="Dell", model="Latitude 5490")
    return world.tech.email, device.code


def _stage(server, code):
    return server.run(lambda make: make.session.scalar(
        __import__("sqlalchemy").select(Device.stage).where(Device.code == code)))


def _scan(page, action: str, text: str, expect: str):
    page.get_by_label("Action à enregistrer").select_option(label=action)
    field = page.get_by_label("Code de l'appareil")
    field.focus()
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    feedback = page.locator("#scan-feedback")
    feedback.filter(has_text=expect).wait_for()
    return feedback.inner_text()


def _open_station(page, server):
    page.goto(f"{server.url}/workshop/scan")
    page.locator("body[data-station-ready]").wait_for()


def test_a_device_walks_from_receipt_to_ready_with_the_keyboard(live_server, page):
    email, code = live_server.run(_world)
    printed = format_code(code)
    login(page, live_server, email)
    _open_station(page, live_server)
    assert_accessible(page)
    # A US-layout scanner on an AZERTY machine: the station repairs what it typed.
    azerty = "".join(US_TO_AZERTY.get(c, c) for c in printed)
    _scan(page, "Reçu", azerty, "passé à l'étape Reçu")
    assert page.evaluate("document.body.dataset.lastBeep") == "ok"
    _scan(page, "Diagnostiqué", code.lower(), "passé à l'étape Diagnostiqué")
    refused = _scan(page, "Données effacées", printed, "il manque")
    assert "Aucun support de stockage" in refused
    assert page.evaluate("document.body.dataset.lastBeep") == "error"
    assert_accessible(page)

    page.get_by_role("link", name="Diagnostic et supports").click()
    assert_accessible(page)
    page.get_by_label("Processeur").fill("Intel Core i5-8350U")
    page.get_by_label("Mémoire vive (Go)").fill("8")
    page.locator("#media-0-medium_type").select_option("ssd")
    page.locator("#media-0-capacity_gb").fill("256")
    page.locator("#media-0-serial").fill("SSD-1")
    page.get_by_label("Batterie faible ou absente").check()
    page.get_by_role("button", name="Enregistrer le diagnostic").click()
    page.wait_for_url("**/workshop/scan")
    page.locator("body[data-station-ready]").wait_for()
    # The chosen action is remembered: scanning again shows what is still missing.
    assert page.get_by_label("Action à enregistrer").input_value() == "wiped"
    page.get_by_label("Code de l'appareil").focus()
    page.keyboard.type(printed)
    page.keyboard.press("Enter")
    page.locator("#scan-feedback").filter(has_text="effacement vérifié").wait_for()

    page.get_by_role("link", name="Effacement").click()
    page.get_by_label("Technique d'effacement").select_option("block_erase")
    page.get_by_label("Outil (par exemple nwipe, Blancco, ShredOS)").fill("nwipe")
    page.get_by_label("Version de l'outil").fill("0.37")
    page.get_by_label("Niveau atteint").select_option("clear")
    page.get_by_label("Vérification").select_option("passed")
    page.get_by_role("button", name="Enregistrer l'effacement").click()
    assert "ne suffit pas" in page.locator(".error-summary").inner_text()
    assert_accessible(page)
    page.get_by_label("Niveau atteint").select_option("purge")
    page.get_by_label("Vérification").select_option("passed")
    page.get_by_role("button", name="Enregistrer l'effacement").click()
    page.wait_for_url("**/workshop/scan")
    page.locator("body[data-station-ready]").wait_for()
    _scan(page, "Données effacées", printed, "passé à l'étape Données effacées")

    # Offline: the scan is queued in the browser, then synced when the network is back.
    page.context.set_offline(True)
    queued = _scan(page, "Reconditionné", printed, "hors ligne")
    assert "En attente" in queued
    # The status line is rewritten once the browser's queue has stored the scan (async).
    page.locator("#sync-status").filter(has_text="en attente de synchronisation : 1").wait_for()
    assert _stage(live_server, code) == "wiped"
    page.context.set_offline(False)
    page.locator("#scan-feedback").filter(has_text="Synchronisé").wait_for(timeout=15_000)
    assert _stage(live_server, code) == "refurbished"
    page.locator("#sync-status").filter(has_text="Aucun scan en attente").wait_for()

    _scan(page, "Contrôlé", printed, "il manque")
    page.get_by_role("link", name="Contrôle et grade").click()
    assert_accessible(page)
    for item in workshop.CHECK_ITEMS.values():
        page.get_by_label(item).check()
    page.get_by_label("B", exact=True).check()
    page.get_by_role("button", name="Enregistrer le contrôle").click()
    page.wait_for_url("**/workshop/scan")
    page.locator("body[data-station-ready]").wait_for()
    _scan(page, "Contrôlé", printed, "passé à l'étape Contrôlé")
    _scan(page, "Prêt", printed, "passé à l'étape Prêt")
    assert _stage(live_server, code) == "ready"
    rows = page.locator("#scan-log tr")
    assert rows.count() >= 8
    assert_accessible(page)


def test_the_station_reports_unknown_mistyped_and_wrong_stage_scans(live_server, page):
    email, code = live_server.run(_world)
    login(page, live_server, email)
    _open_station(page, live_server)
    assert "aucun appareil" in _scan(page, "Diagnostiqué", new_code(), "aucun appareil")
    mistyped = code[:-1] + ("0" if code[-1] != "0" else "1")
    assert "mal saisi" in _scan(page, "Diagnostiqué", mistyped, "mal saisi")
    wrong = _scan(page, "Prêt", code, "étapes possibles")
    assert "Reçu" in wrong
    # Text from the server is shown as text, never as markup.
    assert page.locator("#scan-feedback b").count() == 0
    assert_accessible(page)


def test_the_browser_and_the_server_repair_scans_the_same_way(live_server, page):
    email, _ = live_server.run(_world)
    login(page, live_server, email)
    _open_station(page, live_server)
    samples = []
    for _i in range(20):
        c = new_code()
        samples += [c, format_code(c).lower(), f"https://x.test/d/{c}",
                    "".join(US_TO_AZERTY.get(ch, ch) for ch in format_code(c)),
                    "".join(US_TO_AZERTY.get(ch, ch) for ch in f"http://127.0.0.1:5000/d/{c}")]
    samples += ["bonjour", "7K3M-9QXT-0", ""]
    results = page.evaluate("""async (samples) => {
        const m = await import('/static/js/scanner.js');
        return samples.map((s) => { try { return m.readScan(s).canonical; }
                                    catch (e) { return 'error:' + e.kind; } });
    }""", samples)
    expected = []
    for s in samples:
        try:
            expected.append(read_scan(s).canonical)
        except ValueError as error:
            expected.append(f"error:{error.kind}")
    assert results == expected


def _y4m_of_qr(text: str, path) -> None:
    """A short Y4M video (4:2:0) of a QR code, for Chromium's fake camera."""
    import qrcode
    from PIL import Image

    qr = qrcode.make(text, box_size=8, border=4).convert("L")
    frame = Image.new("L", (640, 480), 255)
    side = min(440, qr.size[0])
    frame.paste(qr.resize((side, side)), ((640 - side) // 2, (480 - side) // 2))
    y = frame.tobytes()
    chroma = bytes([128]) * (320 * 240)
    buffer = io.BytesIO()
    buffer.write(b"YUV4MPEG2 W640 H480 F10:1 Ip A1:1 C420jpeg\n")
    for _ in range(10):
        buffer.write(b"FRAME\n" + y + chroma + chroma)
    path.write_bytes(buffer.getvalue())


@pytest.fixture
def camera_page(browser, tmp_path, live_server):
    """A page of a Chromium whose camera films a QR code (set by `point_camera_at`)."""
    state = {}

    def point_camera_at(text: str):
        video = tmp_path / "qr.y4m"
        _y4m_of_qr(text, video)
        camera_browser = browser.browser_type.launch(
            executable_path=services_check.CHROMIUM,
            args=[*CHROMIUM_ARGS, "--use-fake-device-for-media-stream",
                  "--use-fake-ui-for-media-stream", f"--use-file-for-fake-video-capture={video}"])
        context = camera_browser.new_context(locale="fr-FR")
        context.grant_permissions(["camera"], origin=live_server.url)
        state.update(browser=camera_browser, context=context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield point_camera_at
    if state:
        state["context"].close()
        state["browser"].close()


def _ready_for_ready(make):
    world = make.world()
    device = make.device("checked", operator=world.operator, model="ThinkPad X270")
    make.functional_check(device, grade="A")
    return world.tech.email, device.code


def test_a_device_scanned_with_the_camera_moves_to_ready(live_server, camera_page):
    email, code = live_server.run(_ready_for_ready)
    page = camera_page(f"{live_server.url}/d/{code}")
    wasm = []
    page.on("request", lambda r: wasm.append(r.url) if r.url.endswith(".wasm") else None)
    login(page, live_server, email)
    _open_station(page, live_server)
    page.get_by_label("Action à enregistrer").select_option(label="Prêt")
    page.get_by_role("button", name="Scanner avec la caméra").click()
    page.locator("#scan-feedback").filter(has_text="passé à l'étape Prêt").wait_for(timeout=30_000)
    assert _stage(live_server, code) == "ready"
    assert wasm and all(u.startswith(f"{live_server.url}/static/vendor/barcode-detector/")
                        for u in wasm)
    assert_accessible(page)


def test_the_scanner_test_and_stock_pages_are_accessible(live_server, page):
    email, code = live_server.run(_world)
    login(page, live_server, email)
    page.goto(f"{live_server.url}/workshop/")
    assert_accessible(page)
    page.get_by_role("link", name="Tester ma douchette").click()
    page.get_by_label("Zone de test : scannez une étiquette ici").fill(
        "".join(US_TO_AZERTY.get(ch, ch) for ch in format_code(code)))
    page.keyboard.press("Enter")
    assert page.locator("#read-code").inner_text() == format_code(code)
    assert_accessible(page)
    page.goto(f"{live_server.url}/workshop/stock")
    assert_accessible(page)
    page.goto(f"{live_server.url}/workshop/devices/{code}")
    assert_accessible(page)


def _two_devices(make):
    world = make.world()
    first = make.device("received", operator=world.operator)
    second = make.device("received", operator=world.operator)
    return world.tech.email, first.code, second.code


def test_offline_scans_sync_later_and_each_conflict_is_reported(live_server, page):
    email, first, second = live_server.run(_two_devices)
    login(page, live_server, email)
    _open_station(page, live_server)
    page.locator("body[data-offline-ready]").wait_for()
    page.context.set_offline(True)
    # The station itself opens offline (service worker), and keeps scanning into its queue.
    page.reload()
    page.locator("body[data-station-ready]").wait_for()
    _scan(page, "Diagnostiqué", first, "hors ligne")
    _scan(page, "Prêt", second, "hors ligne")
    page.locator("#sync-status").filter(has_text="2").wait_for()
    page.context.set_offline(False)
    summary = page.locator("#scan-feedback").filter(has_text="Synchronisé")
    summary.wait_for(timeout=15_000)
    text = summary.inner_text()
    assert "dont 1 refusé" in text and format_code(second) in text and "Reçu" in text
    assert _stage(live_server, first) == "diagnosed" and _stage(live_server, second) == "received"
    outcomes = page.locator("#scan-log tr").evaluate_all("rows => rows.map(r => r.dataset.outcome)")
    assert outcomes[:2] == ["not-allowed", "ok"]


def test_a_scan_after_the_session_expired_stays_queued(live_server, page):
    email, code = live_server.run(_world)
    login(page, live_server, email)
    _open_station(page, live_server)
    page.context.clear_cookies()
    assert "reconnectez-vous" in _scan(page, "Reçu", code, "Session expirée")
    page.locator("#sync-status").filter(has_text="1").wait_for()
    assert _stage(live_server, code) == "pledged"


def test_scans_typed_in_quick_succession_are_all_sent_in_order(live_server, page):
    email, first, second = live_server.run(_two_devices)
    login(page, live_server, email)
    _open_station(page, live_server)
    page.get_by_label("Action à enregistrer").select_option(label="Diagnostiqué")
    page.get_by_label("Code de l'appareil").focus()
    for code in (first, second, first):
        page.keyboard.type(code)
        page.keyboard.press("Enter")
    rows = page.locator("#scan-log tr[data-outcome]")
    page.wait_for_function("() => document.querySelectorAll('#scan-log tr[data-outcome]')"
                           ".length === 3"
                           " && ![...document.querySelectorAll('#scan-log tr')]"
                           ".some(r => r.dataset.outcome === 'queued')")
    assert rows.evaluate_all("rs => rs.map(r => r.dataset.outcome)") == ["already", "ok", "ok"]
    assert _stage(live_server, first) == _stage(live_server, second) == "diagnosed"
