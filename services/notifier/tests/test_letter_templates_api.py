"""A tenant's letter templates over HTTP, on SQLite and PostgreSQL: the defaults shown, a part
set and the rest left to the default, the whole replaced, reset; refused templates (syntax,
undefined names, the sandbox, no portal link) with the part and line; previews of the samples
and of a letter given; who may do what; one tenant never sees another's."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict

from notifier.letters import Counterparty, default_source, letter_to_json, render_letter
from notifier.letters.samples import preview_samples
from shared.auth import Role

from .test_letter_rendering import URL, babs_letter, balance_letter

SUBJECT = "{{ sender.name }}: {{ subject or 'Mutabakat' }}"
TEXT = "{{ title }}\n\nSayın {{ recipient.title }}, lütfen yanıtlayın:\n{{ portal_url }}\n"


async def get(service, language="tr", auth=None):
    return await service.client.get(f"/letter-templates/{language}", headers=auth or service.admin)


async def put(service, body, language="tr", auth=None):
    return await service.client.put(
        f"/letter-templates/{language}", json=body, headers=auth or service.admin
    )


async def delete(service, language="tr", auth=None):
    return await service.client.delete(
        f"/letter-templates/{language}", headers=auth or service.admin
    )


async def preview(service, language="tr", letter=None, auth=None):
    return await service.client.post(
        f"/letter-templates/{language}/preview",
        content=letter_to_json(letter) if letter is not None else None,
        headers={**(auth or service.admin), "Content-Type": "application/json"},
    )


def sources(shown: dict) -> dict[str, str]:
    return {part: shown[part]["source"] for part in ("subject", "text", "html")}


async def test_the_defaults_are_shown(service) -> None:
    for language in ("tr", "en"):
        response = await get(service, language)
        assert response.status_code == 200, response.text
        shown = response.json()
        assert shown["language"] == language
        assert sources(shown) == {"subject": "default", "text": "default", "html": "default"}
        for part in ("subject", "text", "html"):
            assert shown[part]["template"] == default_source(language, part)
        assert (shown["updated_at"], shown["updated_by"]) == (None, None)


async def test_a_part_is_set_and_the_rest_stay_default(service) -> None:
    response = await put(service, {"subject": SUBJECT})
    assert response.status_code == 200, response.text
    saved = response.json()
    assert sources(saved) == {"subject": "tenant", "text": "default", "html": "default"}
    assert saved["subject"]["template"] == SUBJECT
    assert saved["updated_at"] and saved["updated_by"]
    assert (await get(service)).json() == saved
    assert sources((await get(service, "en")).json())["subject"] == "default"  # per language

    previewed = await preview(service)
    assert previewed.status_code == 200, previewed.text
    balance, babs = previewed.json()["letters"]
    assert (balance["kind"], babs["kind"]) == ("balance", "babs")
    assert balance["subject"] == "Örnek Ticaret A.Ş.: 2025 yıl sonu cari hesap mutabakatı"
    assert babs["subject"] == "Örnek Ticaret A.Ş.: Ocak 2025 BA/BS mutabakatı"
    default = render_letter(preview_samples("tr")[0])
    assert balance["text"] == default.text.replace(default.subject, balance["subject"], 1)
    assert "125.430,75 TL" in balance["html"] and "48.250,00 TL" in babs["html"]


async def test_a_put_replaces_the_whole_template(service) -> None:
    assert (await put(service, {"subject": SUBJECT, "text": TEXT})).status_code == 200
    response = await put(service, {"html": "<p>{{ title }}</p><a href='{{ portal_url }}'>Aç</a>"})
    assert response.status_code == 200, response.text
    assert sources(response.json()) == {"subject": "default", "text": "default", "html": "tenant"}
    letter = (await preview(service, letter=balance_letter(subject="Yıl & sonu"))).json()
    (only,) = letter["letters"]
    assert only["html"] == f"<p>Yıl &amp; sonu</p><a href='{URL}'>Aç</a>"
    assert only["subject"] == "Yıl & sonu"


async def test_reset_goes_back_to_the_default(service) -> None:
    assert (await put(service, {"subject": SUBJECT, "text": TEXT})).status_code == 200
    deleted = await delete(service)
    assert deleted.status_code == 204 and deleted.content == b""
    shown = (await get(service)).json()
    assert sources(shown) == {"subject": "default", "text": "default", "html": "default"}
    assert shown["updated_at"] is None
    assert (await delete(service)).status_code == 204  # nothing left to reset: no change

    assert (await put(service, {"text": TEXT})).status_code == 200
    emptied = await put(service, {})  # no part at all: the same as a reset
    assert emptied.status_code == 200 and sources(emptied.json())["text"] == "default"
    assert (await get(service)).json()["updated_at"] is None


async def test_the_sandbox_refuses_python_internals(service) -> None:
    for html, line in (
        ("<p>\n{{ ''.__class__.__mro__ }}\n{{ portal_url }}</p>", 2),
        ("{% set n = '__cla' ~ 'ss__' %}\n\n{{ ''|attr(n) }}{{ portal_url }}", 3),
    ):
        response = await put(service, {"html": html})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        (error,) = response.json()["errors"]
        assert (error["location"], error["line"]) == ("body.html", line), error
        assert "is not allowed" in error["message"] or "unsafe" in error["message"], error
    assert sources((await get(service)).json())["html"] == "default"  # nothing saved


async def test_broken_templates_are_refused_naming_part_and_line(service) -> None:
    response = await put(
        service,
        {
            "subject": "{{ sender.nmae }}",
            "text": "Sayın {{ recipient.title }}\n{% if kind == 'balance' %}\n{{ portal_url }}",
            "html": "<p>{{ title }}</p>",
        },
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    by_part = {error["location"]: error for error in problem["errors"]}
    assert set(by_part) == {"body.subject", "body.text", "body.html"}
    assert by_part["body.subject"]["line"] == 1
    assert "has no attribute 'nmae'" in by_part["body.subject"]["message"]
    assert by_part["body.text"]["line"] == 3 and "endif" in by_part["body.text"]["message"]
    assert "portal link" in by_part["body.html"]["message"]
    assert "subject template, line 1" in problem["detail"]
    assert (await get(service)).json()["updated_at"] is None


async def test_a_template_must_render_every_sample(service) -> None:
    # Fine for a balance letter, broken for BA/BS: found before it is saved, not mid-round.
    text = "{{ portal_url }}\n{{ balances[0].amount|money }}"
    response = await put(service, {"text": text})
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error["location"] == "body.text" and error["line"] == 2
    blank = await put(service, {"subject": "{% if false %}x{% endif %}"})
    assert blank.status_code == 422 and "renders to nothing" in blank.text


async def test_bad_bodies_are_refused(service) -> None:
    for body in ({"subject": ""}, {"text": 5}, {"footer": "x"}, {"html": "x" * 200_001}):
        response = await put(service, body)
        assert response.status_code == 422, (body, response.text)
    assert (await get(service, "de")).status_code == 422
    assert (await put(service, {"text": TEXT}, "de")).status_code == 422


async def test_preview_of_a_letter_given(service) -> None:
    letter = babs_letter("en")
    response = await preview(service, "en", letter)
    assert response.status_code == 200, response.text
    shown = response.json()
    assert shown["language"] == "en"
    (only,) = shown["letters"]
    expected = render_letter(letter)
    assert only == {"kind": "babs", **asdict(expected)}

    wrong_language = await preview(service, "tr", letter)
    assert wrong_language.status_code == 422
    assert wrong_language.json()["errors"][0]["location"] == "body.language"

    broken = json.loads(letter_to_json(balance_letter()))
    broken["balances"] = []
    invalid = await service.client.post(
        "/letter-templates/tr/preview", json=broken, headers=service.admin
    )
    assert invalid.status_code == 422 and "at least one balance" in invalid.text


async def test_preview_names_the_part_a_stored_template_fails_on(service) -> None:
    text = "{{ portal_url }}\n{% if recipient.code == 'X' %}{{ nothing }}{% endif %}"
    assert (await put(service, {"text": text})).status_code == 200
    assert (await preview(service, letter=balance_letter())).status_code == 200
    response = await preview(service, letter=balance_letter(recipient=Counterparty("X", "Firma")))
    assert response.status_code == 422, response.text
    (error,) = response.json()["errors"]
    assert error == {"location": "template.text", "line": 2, "message": "'nothing' is undefined"}


async def test_operator_reads_and_previews_only_admin_writes(service) -> None:
    assert (await put(service, {"subject": SUBJECT})).status_code == 200
    operator = service.operator
    assert sources((await get(service, auth=operator)).json())["subject"] == "tenant"
    assert (await preview(service, auth=operator)).status_code == 200
    assert (await put(service, {"text": TEXT}, auth=operator)).status_code == 403
    assert (await delete(service, auth=operator)).status_code == 403
    erp = await service.key(Role.ERP)
    assert (await get(service, auth=erp)).status_code == 403
    assert (await preview(service, auth=erp)).status_code == 403
    assert (await service.client.get("/letter-templates/tr")).status_code == 401
    assert (await service.client.post("/letter-templates/tr/preview")).status_code == 401
    assert sources((await get(service)).json())["subject"] == "tenant"  # nothing changed


async def test_another_tenant_has_its_own_templates(service) -> None:
    assert (await put(service, {"subject": SUBJECT})).status_code == 200
    other = await service.key(Role.ADMIN, uuid.uuid4())
    assert sources((await get(service, auth=other)).json())["subject"] == "default"
    theirs = (await preview(service, auth=other)).json()["letters"][0]
    assert theirs["subject"] == "2025 yıl sonu cari hesap mutabakatı"
    assert (await delete(service, auth=other)).status_code == 204
    assert (await put(service, {"text": TEXT}, auth=other)).status_code == 200
    mine = (await get(service)).json()
    assert sources(mine) == {"subject": "tenant", "text": "default", "html": "default"}
