"""The counterparty's side in a real browser (Debian's Chromium, headless, via Playwright): the
letter links come from e-mails received by the loopback SMTP server; one counterparty agrees,
another disagrees with a reason and a file, a second answer is refused, an expired link shows the
closed page; the round then shows the answers. A phone-sized screenshot is kept in
``test-artifacts/``."""

from __future__ import annotations

import os
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from fpdf import FPDF
from playwright.async_api import async_playwright, expect
from sqlalchemy import update
from sqlalchemy.ext.asyncio import create_async_engine

from portal.adapters.orm import Letter as PortalLetter
from shared.testing import eventually

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"

pytestmark = pytest.mark.skipif(
    not os.path.exists(CHROMIUM) and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (apt-get install chromium); .ci/run installs it",
)


async def send_round(live, mail) -> tuple[str, dict[str, str]]:
    """A balance round to four counterparties; returns its id and each code's letter link."""
    await live.call("PUT", "/reconciliation/tenant/profile", json={
        "legal_name": "Demo Gıda San. ve Tic. A.Ş.", "tax_office": "Kozyatağı",
        "tax_id": "4540536920"})  # fmt: skip
    parties = [("120.01.005", "Öztürk İnşaat Ltd. Şti.", "muhasebe@ozturkinsaat.com.tr"),
               ("120.01.006", "Yılmaz Gıda A.Ş.", "finans@yilmazgida.com.tr"),
               ("120.01.007", "Kaya Tekstil A.Ş.", "cari@kayatekstil.com.tr"),
               ("120.01.008", "Demir Makina A.Ş.", "muhasebe@demirmakina.com.tr")]  # fmt: skip
    await live.call("PUT", "/reconciliation/counterparties",
                    json=[{"code": c, "title": t, "email": e} for c, t, e in parties])  # fmt: skip
    movements = [
        {"code": code, "document_date": "2025-11-20", "amount": amount, "currency": "TRY",
         "document_no": f"GIB2025{n:09d}", "description": "Satış faturası",
         "system_document_no": f"S{n}", "movement_type": 14, "control_key": f"K{n}"}
        for n, (code, amount) in enumerate([("120.01.005", "1234.56"), ("120.01.006", "-2500"),
                                            ("120.01.007", "99.90"), ("120.01.008", "10")])
    ]  # fmt: skip
    await live.call("POST", "/reconciliation/imports/movements", params={"wait": "true"},
                    json=movements)  # fmt: skip
    created = await live.call("POST", "/reconciliation/rounds", expect=201, json={
        "kind": "balance", "as_of": "2025-12-31",
        "validity_date": (date.today() + timedelta(days=10)).isoformat(),
        "description": "31.12.2025 tarihli cari hesap mutabakatı", "send": True})  # fmt: skip
    await eventually(lambda: len(mail.received) == 4, within=15, what="four e-mails")
    links = {}
    for code, _, address in parties:
        [message] = mail.to(address)
        text = message.get_body(("plain",)).get_content()
        links[code] = re.search(rf"{live.url}/portal/letters/\S+", text).group(0)
    return created["id"], links


def small_pdf(path: Path) -> Path:
    document = FPDF()
    document.add_page()
    document.set_font("helvetica", size=12)
    document.cell(text="Cari hesap ekstresi")
    document.output(str(path))
    return path


async def test_counterparties_answer_in_a_browser(live, mailbox, tmp_path) -> None:
    mail, _ = mailbox
    round_id, links = await send_round(live, mail)
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-background-networking"],
        )
        try:
            phone = await browser.new_context(viewport={"width": 375, "height": 812})
            page = await phone.new_page()

            # 1. Agree, on a phone.
            await page.goto(links["120.01.005"])
            await expect(page.get_by_text("Demo Gıda San. ve Tic. A.Ş.").first).to_be_visible()
            await expect(page.locator("table.amounts")).to_contain_text("1.234,56 TL")
            await expect(page.locator("table.amounts")).to_contain_text("Borç")
            await expect(page.locator("table.documents-table")).to_contain_text("GIB2025000000000")
            await page.screenshot(path=str(ARTIFACTS / "portal-letter-phone.png"), full_page=True)
            await page.get_by_label("Adınız soyadınız").fill("Mehmet Öztürk")
            await page.get_by_role("button", name="Evet, mutabıkız").click()
            await expect(page.get_by_text("Bu mektup yanıtlandı")).to_be_visible()
            await expect(page.get_by_text("Mehmet Öztürk").first).to_be_visible()

            # 2. Disagree with a reason and a file; first without a reason: told, nothing saved.
            desk = await browser.new_context()
            other = await desk.new_page()
            await other.goto(links["120.01.006"])
            await expect(other.locator("table.amounts")).to_contain_text("2.500,00 TL")
            await other.get_by_label("Adınız soyadınız").fill("Ayşe Yılmaz")
            await other.get_by_role("button", name="Hayır, mutabık değiliz").click()
            await expect(other.get_by_text("Mutabık değilseniz açıklama yazmanız gerekir.").first
                         ).to_be_visible()  # fmt: skip
            await other.get_by_label("Açıklama").fill("Bizde 2.400 TL alacak görünüyor.")
            await other.locator("#their_balance").fill("2.400,00")
            await other.locator("#attachment").set_input_files(small_pdf(tmp_path / "ekstre.pdf"))
            await other.get_by_role("button", name="Hayır, mutabık değiliz").click()
            await expect(other.get_by_text("Bu mektup yanıtlandı")).to_be_visible()
            await expect(other.get_by_text("Bizde 2.400 TL alacak görünüyor.")).to_be_visible()

            # 3. A second answer from a form opened before the first was given: refused.
            stale = await desk.new_page()
            await stale.goto(links["120.01.007"])
            await stale.get_by_label("Adınız soyadınız").fill("Can Kaya")
            again = await desk.new_page()
            await again.goto(links["120.01.007"])
            await again.get_by_label("Adınız soyadınız").fill("Can Kaya")
            await again.get_by_role("button", name="Evet, mutabıkız").click()
            await expect(again.get_by_text("Bu mektup yanıtlandı")).to_be_visible()
            await stale.get_by_label("Açıklama").fill("Fark var")
            await stale.get_by_role("button", name="Hayır, mutabık değiliz").click()
            await expect(stale.get_by_text("daha önce yanıtlandı")).to_be_visible()

            # 4. A letter past its validity date: shown, the form closed politely (in English).
            closed = await desk.new_page()
            await closed.goto(links["120.01.008"])
            await expect(closed.get_by_role("button", name="Evet, mutabıkız")).to_be_visible()
            await expire_at_portal(live)
            await closed.goto(links["120.01.008"] + "?lang=en")
            await expect(closed.get_by_text("The time to answer has passed")).to_be_visible()
            await expect(closed.get_by_role("button", name="Yes, we agree")).to_have_count(0)
            await expect(closed.locator("table.amounts")).to_contain_text("10.00 TRY")
        finally:
            await browser.close()

    # The round shows the answers.
    async def answered() -> bool:
        page = await live.call("GET", f"/reconciliation/rounds/{round_id}/letters")
        states = {x["code"]: x["state"] for x in page["items"]}
        return states == {"120.01.005": "agreed", "120.01.006": "disagreed",
                          "120.01.007": "agreed", "120.01.008": "viewed"}  # fmt: skip

    await eventually(answered, within=15, what="the answers reach reconciliation")
    letters = {x["code"]: x for x in
               (await live.call("GET", f"/reconciliation/rounds/{round_id}/letters"))["items"]}  # fmt: skip
    disagreed = letters["120.01.006"]
    assert disagreed["reason"] == "Bizde 2.400 TL alacak görünüyor."
    assert disagreed["answer"]["answered_by"] == "Ayşe Yılmaz"
    assert disagreed["answer"]["their_balance"] == "2400.00"
    assert disagreed["answer"]["attachment"]["file_name"] == "ekstre.pdf"
    assert "Chrome" in disagreed["answer"]["user_agent"]
    assert (ARTIFACTS / "portal-letter-phone.png").stat().st_size > 10_000


async def expire_at_portal(live) -> None:
    """Every letter at the portal past its validity date, as the calendar would make it."""
    engine = create_async_engine(live.apps["portal"].state.runtime.settings.database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(PortalLetter).values(valid_until=date.today() - timedelta(days=1))
            )
    finally:
        await engine.dispose()
