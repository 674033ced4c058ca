"""Statements in over HTTP: stored once, checked, announced — on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid

from schwifty import IBAN

from shared.events import Envelope, MovementsProcessed, MovementsRecorded
from shared.testing import eventually

OWN = str(IBAN.generate("TR", bank_code="00062", account_code="0000000000006299"))
PAYER = str(IBAN.generate("TR", bank_code="00046", account_code="0000000000001234"))


def mt940(
    *days: list[str],
    number: str = "1",
    opening: str = "C251130TRY1000,00",
    closing: str = "C251202TRY1800,00",
    account: str = OWN,
) -> bytes:
    lines = [f":20:EKSTRE{number}", f":25:{account}", f":28C:{number}/1", f":60F:{opening}"]
    for day in days:
        lines.extend(day)
    lines.append(f":62F:{closing}")
    return ("\r\n".join(lines) + "\r\n").encode("windows-1254")


DAY1 = [
    ":61:2512011201C500,00NTRFNONREF",
    f":86:GELEN EFT ÖZTÜRK İNŞAAT LTD ŞTİ {PAYER} FATURA 2025-17",
    ":61:2512011201C500,00NTRFNONREF",  # the same again: a genuine second payment
    f":86:GELEN EFT ÖZTÜRK İNŞAAT LTD ŞTİ {PAYER} FATURA 2025-17",
]
DAY2 = [":61:2512021202D200,00NCHGNONREF//BNK-778", ":86:EFT UCRETI"]
DAY3 = [":61:2512031203D50,00NTRFNONREF//BNK-901", ":86:GIDEN HAVALE KIRA ARALIK"]


async def test_upload_stores_checks_and_announces(service) -> None:
    response = await service.upload(mt940(DAY1, DAY2))
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["format"] == "mt940" and result["encoding"] == "windows-1254"
    assert (result["movements_new"], result["movements_duplicate"]) == (3, 0)
    [statement] = result["statements"]
    assert statement["balance_check"] == "balanced" and statement["balance_difference"] is None

    [account] = (await service.get("/accounts"))["items"]
    assert account["iban"] == OWN
    assert (account["balance"], account["balance_date"]) == ("1800.00", "2025-12-02")

    page = await service.get("/movements")
    assert [m["amount"] for m in page["items"]] == ["-200.00", "500.00", "500.00"]
    incoming = page["items"][1]
    assert incoming["counterparty_iban"] == PAYER
    assert incoming["direction"] == "incoming" and incoming["booking_date"] == "2025-12-01"
    assert page["totals"] == [
        {
            "currency": "TRY",
            "count": 3,
            "incoming": "1000.00",
            "outgoing": "-200.00",
            "net": "800.00",
        }
    ]
    detail = await service.get(f"/movements/{incoming['id']}")
    assert detail["raw"].startswith(":61:2512011201C500,00NTRFNONREF")

    async def announced() -> bool:
        return bool(service.of_type("bank_ingest.statement.imported"))

    await eventually(announced, what="statement.imported event")
    recorded = service.of_type("bank_ingest.movements.recorded")
    assert sum(len(e.payload["movements"]) for e in recorded) == 3
    assert {m["id"] for e in recorded for m in e.payload["movements"]} == {
        m["id"] for m in page["items"]
    }
    assert len(service.of_type("bank_ingest.account.registered")) == 1


async def test_same_file_twice_and_overlapping_statements_store_each_movement_once(
    service,
) -> None:
    daily = mt940(DAY1, DAY2)
    assert (await service.upload(daily)).status_code == 201
    again = (await service.upload(daily)).json()
    assert (again["movements_new"], again["movements_duplicate"]) == (0, 3)
    assert again["statements"][0]["duplicate_of"] is not None
    assert again["statement_count"] == 0

    monthly = mt940(DAY1, DAY2, DAY3, number="12", closing="C251203TRY1750,00")
    overlap = (await service.upload(monthly, name="aylik.sta")).json()
    assert (overlap["movements_new"], overlap["movements_duplicate"]) == (1, 3)

    page = await service.get("/movements")
    assert page["totals"][0]["count"] == 4
    both = [m for m in page["items"] if m["booking_date"] == "2025-12-01"]
    assert len(both) == 2, "two identical NONREF payments on one day are both kept"
    [account] = (await service.get("/accounts"))["items"]
    assert (account["balance"], account["balance_date"]) == ("1750.00", "2025-12-03")


async def test_unbalanced_statement_and_broken_chain_are_reported(service) -> None:
    first = await service.upload(mt940(DAY1, number="7", closing="C251201TRY2000,00"))
    assert first.json()["statements"][0]["balance_check"] == "balanced"

    wrong = mt940(DAY3, number="9", opening="C251202TRY1990,00", closing="C251203TRY1900,00")
    statement = (await service.upload(wrong, name="wrong.sta")).json()["statements"][0]
    assert statement["balance_check"] == "unbalanced"
    assert statement["balance_difference"] == "-40.00"  # 1900 - (1990 - 50)
    issues = " | ".join(statement["continuity_issues"])
    assert "differs from the previous closing balance 2000.00" in issues
    assert "statement numbers 8–8 are missing" in issues

    stored = await service.get(f"/statements/{statement['statement_id']}")
    assert stored["balance_check"] == "unbalanced"
    assert stored["previous_statement_id"] is not None


async def test_malformed_file_is_refused_whole(service) -> None:
    good = mt940(DAY1, DAY2).decode("windows-1254")
    broken = (good + ":20:X\r\n:25:" + OWN + "\r\n:28C:2/1\r\n:60F:C251202TRY1800,00\r\n"
              ":61:2513011301C1,00NTRFNONREF\r\n:62F:C251203TRY1801,00\r\n")  # fmt: skip
    response = await service.upload(broken.encode("windows-1254"))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["errors"][0]["line"] == 16  # the :61: with month 13
    assert "nothing was stored" in problem["detail"]
    assert (await service.get("/movements"))["items"] == []
    assert (await service.get("/accounts"))["items"] == []
    assert (await service.get("/imports"))["items"] == []


async def test_upload_over_the_limit_gets_413(service) -> None:
    response = await service.upload(b":20:X\r\n" + b"x" * 70_000)
    assert response.status_code == 413
    assert response.json()["max_bytes"] == 64 * 1024

    async def chunks():  # no Content-Length: the cap holds while the body streams
        yield b'--b\r\nContent-Disposition: form-data; name="file"; filename="a"\r\n\r\n'
        for _ in range(20):
            yield b"y" * 8192

    response = await service.client.post(
        "/statements",
        content=chunks(),
        headers={**service.auth, "content-type": "multipart/form-data; boundary=b"},
    )
    assert response.status_code == 413
    assert (await service.get("/imports"))["items"] == []


async def test_movement_filters_totals_and_pages(service) -> None:
    await service.upload(mt940(DAY1, DAY2, DAY3, closing="C251203TRY1750,00"))

    async def ids(**params) -> list[str]:
        return [m["amount"] for m in (await service.get("/movements", **params))["items"]]

    assert await ids(direction="outgoing") == ["-50.00", "-200.00"]
    assert await ids(amount_min="100", amount_max="300") == ["-200.00"]
    assert await ids(text="öztürk inşaat") == ["500.00", "500.00"]
    assert await ids(text="OZTURK INSAAT") == ["500.00", "500.00"]
    assert await ids(date_from="2025-12-02", date_to="2025-12-02") == ["-200.00"]
    totals = (await service.get("/movements", direction="incoming"))["totals"]
    assert totals[0]["incoming"] == "1000.00" and totals[0]["count"] == 2

    first = await service.get("/movements", limit=3)
    second = await service.get("/movements", limit=3, cursor=first["next_cursor"])
    assert len(first["items"]) == 3 and len(second["items"]) == 1
    assert second["next_cursor"] is None
    assert first["totals"][0]["count"] == 4


async def test_processed_state_follows_the_matchers_events(service) -> None:
    await service.upload(mt940(DAY1, DAY2))
    items = (await service.get("/movements"))["items"]
    tenant = uuid.UUID((await service.get("/me"))["tenant_id"])
    exported = [uuid.UUID(items[0]["id"])]
    event = MovementsProcessed(movement_ids=exported, processed=True, state="exported")
    envelope = Envelope.wrap(event, tenant=tenant, correlation_id="test")
    await service.bus.publish([envelope])
    await service.bus.publish([envelope])  # redelivered: no second effect, no error

    async def processed() -> bool:
        return len((await service.get("/movements", processed="true"))["items"]) == 1

    await eventually(processed, what="movement marked processed")
    assert len((await service.get("/movements", processed="false"))["items"]) == 2
    assert (await service.get(f"/movements/{exported[0]}"))["processing_state"] == "exported"


async def test_a_large_file_parsed_in_a_child_process_gives_the_same_result(db_url: str) -> None:
    """Files over ``parse_in_child_bytes`` are parsed by a child process: same movements, same
    refusal with the same line."""
    from bank_ingest.main import create_app
    from bank_ingest.settings import BankIngestSettings
    from shared.auth import Role
    from shared.testing import grant_key, serving

    app = create_app(BankIngestSettings(database_url=db_url, parse_in_child_bytes=1))
    async with serving(app) as client:
        auth = await grant_key(app, uuid.uuid4(), Role.OPERATOR)

        async def upload(content: bytes):
            return await client.post(
                "/statements", files={"file": ("big.sta", content)}, headers=auth
            )

        good = await upload(mt940(DAY1, DAY2))
        assert good.status_code == 201, good.text
        assert (good.json()["movements_new"], good.json()["statements"][0]["balance_check"]) == (
            3,
            "balanced",
        )
        broken = mt940(DAY3, number="2", opening="C251202TRY1800,00", closing="C251203TRY1750,00")
        broken = broken.replace(b":61:251203", b":61:251303")
        refused = await upload(broken)
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["line"] == 5
        page = (await client.get("/movements", headers=auth)).json()
        assert page["totals"][0]["count"] == 3


async def test_quotes_backslashes_and_separators_in_text_survive_storing_and_the_event(
    service,
) -> None:
    """Movement text travels as pre-encoded JSON and, on PostgreSQL, as columns joined with a
    unit separator (U+001F): text holding one goes the other way, as arrays, unchanged."""
    odd = 'KIRA "ARALIK" C:\\DOSYA\x1fSON'
    day = [":61:2512031203D50,00NTRFNONREF//BNK-901", f":86:{odd}"]
    plain = [":61:2512031203D25,00NTRFNONREF//BNK-902", ':86:ODEME "OCAK" \\ TAMAM']
    for number, days in (("1", [day, DAY2]), ("2", [plain, DAY2])):
        response = await service.upload(
            mt940(*days, number=number, opening="C251201TRY1000,00", closing="C251203TRY700,00")
        )
        assert response.status_code == 201, response.text
    stored = {m["description"] for m in (await service.get("/movements"))["items"]}
    assert {odd, 'ODEME "OCAK" \\ TAMAM', "EFT UCRETI"} <= stored

    def recorded() -> list[Envelope]:
        return service.of_type("bank_ingest.movements.recorded")

    await eventually(lambda: len(recorded()) == 2, what="both statements announced")
    events = [MovementsRecorded.model_validate(e.payload) for e in recorded()]
    described = {m.description for event in events for m in event.movements}
    assert {odd, 'ODEME "OCAK" \\ TAMAM'} <= described
