"""The pure rules of a letter: its recipients, why it cannot go, and its state moves."""

from __future__ import annotations

import pytest

from reconciliation.domain.letters import (
    after_answer,
    after_delivery,
    after_view,
    recipients_of,
    round_state,
)

CONTACTS = [
    {"name": "Mehmet", "email": "mehmet@ozturk.com.tr", "reconciliation_contact": True},
    {"name": "Ali", "email": "ali@ozturk.com.tr", "reconciliation_contact": False},
    {"name": "Ayşe", "email": "MUHASEBE@ozturk.com.tr", "reconciliation_contact": True},
    {"name": "Telefonla", "email": "", "reconciliation_contact": True},
]


def test_recipients_are_the_address_the_flagged_contacts_and_kep_each_once() -> None:
    found, reason = recipients_of(
        "muhasebe@ozturk.com.tr", CONTACTS, "ozturk@hs01.kep.tr", to_contacts=True, to_kep=True
    )
    assert reason == ""
    assert [(r.address, r.role) for r in found] == [
        ("muhasebe@ozturk.com.tr", "counterparty"),
        ("mehmet@ozturk.com.tr", "contact"),
        ("ozturk@hs01.kep.tr", "kep"),
    ]
    only, _ = recipients_of("muhasebe@ozturk.com.tr", CONTACTS, "x@kep.tr", to_contacts=False,
                            to_kep=False)  # fmt: skip
    assert [r.address for r in only] == ["muhasebe@ozturk.com.tr"]


def test_a_flagged_contact_alone_is_enough() -> None:
    found, reason = recipients_of("", CONTACTS[:1], "", to_contacts=True, to_kep=False)
    assert reason == "" and [r.role for r in found] == ["contact"]


@pytest.mark.parametrize(
    ("email", "contacts", "expected"),
    [
        ("", [], "no e-mail address"),
        ("", CONTACTS[1:2], "no e-mail address"),  # not flagged
        ("muhasebe at ozturk", [], "is not a valid e-mail address"),
    ],
)
def test_why_a_letter_cannot_go(email, contacts, expected) -> None:
    found, reason = recipients_of(email, contacts, "", to_contacts=True, to_kep=False)
    assert found == [] and expected in reason


def test_delivery_moves_only_letters_waiting_for_it() -> None:
    assert after_delivery("queued", "sent") == "sent"
    assert after_delivery("queued", "failed") == "failed"
    assert after_delivery("failed", "sent") == "sent"  # a resend got through
    assert after_delivery("sent", "failed") == "sent"  # a reminder bounced: still sent
    assert after_delivery("viewed", "sent") == "viewed"
    assert after_delivery("agreed", "failed") == "agreed"
    assert after_delivery("expired", "sent") == "expired"


def test_views_and_answers() -> None:
    assert [after_view(s) for s in ("queued", "sent", "failed", "viewed", "agreed", "expired")] == [
        "viewed", "viewed", "viewed", "viewed", "agreed", "expired"
    ]  # fmt: skip
    assert after_answer("viewed", "disagreed") == "disagreed"
    assert after_answer("sent", "agreed") == "agreed"
    assert after_answer("expired", "agreed") == "expired"  # too late
    assert after_answer("agreed", "disagreed") == "agreed"  # answered once
    assert after_answer("excluded", "agreed") == "excluded"


def test_a_round_is_completed_when_no_letter_is_out() -> None:
    assert round_state(False, {"prepared": 3}) == "draft"
    assert round_state(True, {"sent": 1, "agreed": 2}) == "ongoing"
    assert round_state(True, {"failed": 1}) == "ongoing"
    assert round_state(True, {"agreed": 2, "disagreed": 1, "expired": 4, "excluded": 9}) == (
        "completed"
    )
