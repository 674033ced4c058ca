"""The pieces without a database: CSRF tokens, the rate limiter, the client's address, amounts
as typed, attachment signatures, file names, the answer's rules, formats."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
from starlette.requests import Request

from portal.domain.answers import AnswerInput, check_answer
from portal.domain.files import PDF, XLSX, RefusedFile, clean_file_name, sniff
from portal.domain.words import WORDS, file_size, language_of
from portal.settings import LOOPBACK_AND_PRIVATE
from portal.web.clients import ClientAddresses
from portal.web.csrf import Csrf
from portal.web.ratelimit import LookupLimiter
from shared.letter_formats import AmountError, day, money, parse_amount, period
from shared.portal_links import letter_token, token_digest

from .files import tiny_image, tiny_pdf, tiny_xlsx, windows_program, word_document

LETTER, OTHER = uuid.uuid4(), uuid.uuid4()


# Link tokens ------------------------------------------------------------------------------------


def test_link_tokens_are_long_unguessable_and_stored_only_as_a_digest() -> None:
    token = letter_token("secret", LETTER)
    assert len(token) >= 43 and token == letter_token("secret", LETTER)
    assert token != letter_token("secret", OTHER) != letter_token("other-secret", LETTER)
    digest = token_digest(token)
    assert len(digest) == 64 and token not in digest


# CSRF -------------------------------------------------------------------------------------------


def test_a_form_token_is_accepted_with_its_cookie_for_its_letter_only() -> None:
    csrf = Csrf("secret")
    cookie = csrf.new_cookie()
    field = csrf.field_for(cookie, LETTER)
    assert csrf.check(cookie, field, LETTER)
    assert not csrf.check(cookie, field, OTHER)
    assert not csrf.check(None, field, LETTER)
    assert not csrf.check(cookie, None, LETTER)
    assert not csrf.check(cookie, field[:-1] + ("A" if field[-1] != "A" else "B"), LETTER)
    assert not csrf.check(csrf.new_cookie(), field, LETTER)  # another browser's cookie


def test_cookies_are_random_signed_and_bound_to_the_key() -> None:
    csrf = Csrf("secret")
    first, second = csrf.new_cookie(), csrf.new_cookie()
    assert first != second and csrf.nonce_of(first) and csrf.nonce_of(second)
    nonce = csrf.nonce_of(first)
    assert csrf.nonce_of(f"{nonce}.forged") is None
    assert csrf.nonce_of("no-dot") is None and csrf.nonce_of("a.b.c") is None
    other_key = Csrf("another-secret")
    assert other_key.nonce_of(first) is None
    assert not other_key.check(first, csrf.field_for(first, LETTER), LETTER)
    with pytest.raises(ValueError):
        csrf.field_for("planted.cookie", LETTER)


# Rate limits ------------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_misses_run_out_after_the_allowance_and_come_back_with_time() -> None:
    clock = Clock()
    limiter = LookupLimiter(per_minute=120, unknown_per_minute=10, clock=clock)
    for _ in range(10):
        assert limiter.admit("1.1.1.1").allowed
        limiter.settle("1.1.1.1", known=False)
    refused = limiter.admit("1.1.1.1")
    assert not refused.allowed and refused.retry_after == 6  # one miss back every 6 s
    assert limiter.admit("2.2.2.2").allowed  # another address has its own
    clock.now += 6
    assert limiter.admit("1.1.1.1").allowed


def test_known_lookups_have_their_own_allowance() -> None:
    clock = Clock()
    limiter = LookupLimiter(per_minute=120, unknown_per_minute=10, clock=clock)
    for _ in range(120):
        assert limiter.admit("1.1.1.1").allowed
        limiter.settle("1.1.1.1", known=True)
    refused = limiter.admit("1.1.1.1")
    assert not refused.allowed and refused.retry_after == 1
    clock.now += 0.5
    assert limiter.admit("1.1.1.1").allowed


def test_a_burst_of_misses_is_paid_back_before_the_next_lookup() -> None:
    clock = Clock()
    limiter = LookupLimiter(per_minute=120, unknown_per_minute=10, clock=clock)
    assert all(limiter.admit("1.1.1.1").allowed for _ in range(15))  # all at once
    for _ in range(15):
        limiter.settle("1.1.1.1", known=False)
    refused = limiter.admit("1.1.1.1")
    assert not refused.allowed and refused.retry_after == 36  # 6 misses of debt, 6 s each
    clock.now += 35
    assert not limiter.admit("1.1.1.1").allowed
    clock.now += 1
    assert limiter.admit("1.1.1.1").allowed


def test_many_known_lookups_at_once_are_not_taken_for_guesses() -> None:
    limiter = LookupLimiter(per_minute=0, unknown_per_minute=10, clock=Clock())
    assert all(limiter.admit("1.1.1.1").allowed for _ in range(50))
    for _ in range(50):
        limiter.settle("1.1.1.1", known=True)
    assert limiter.admit("1.1.1.1").allowed


def test_zero_turns_a_limit_off_and_old_addresses_are_forgotten() -> None:
    limiter = LookupLimiter(per_minute=0, unknown_per_minute=0, clock=Clock())
    for _ in range(1000):
        assert limiter.admit("1.1.1.1").allowed
        limiter.settle("1.1.1.1", known=False)
    small = LookupLimiter(per_minute=5, unknown_per_minute=1, max_clients=100, clock=Clock())
    small.admit("first")
    small.settle("first", known=False)
    assert not small.admit("first").allowed
    for n in range(100):
        small.admit(f"10.0.0.{n}")
    assert small.admit("first").allowed  # forgotten: a fresh allowance


# The client's address ---------------------------------------------------------------------------


def request(peer: str, *forwarded: str, proto: str | None = None) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    if proto:
        headers.append((b"x-forwarded-proto", proto.encode()))
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers,
             "client": (peer, 5000), "scheme": "http", "query_string": b""}  # fmt: skip
    return Request(scope)


def test_the_peer_is_the_client_unless_it_is_a_trusted_proxy() -> None:
    clients = ClientAddresses(trust_forwarded_for=True, trusted_proxies=LOOPBACK_AND_PRIVATE)
    assert clients.of(request("203.0.113.1", "198.51.100.1")) == "203.0.113.1"
    assert clients.of(request("127.0.0.1")) == "127.0.0.1"
    assert clients.of(request("127.0.0.1", "198.51.100.1")) == "198.51.100.1"
    assert clients.of(request("10.1.2.3", "198.51.100.1, 10.9.9.9")) == "198.51.100.1"


def test_a_client_cannot_choose_its_address_through_the_gateway() -> None:
    clients = ClientAddresses(trust_forwarded_for=True, trusted_proxies=LOOPBACK_AND_PRIVATE)
    # the client sent its own header; the gateway added the address it saw, after it
    spoofed = request("127.0.0.1", "1.2.3.4", "198.51.100.1")
    assert clients.of(spoofed) == "198.51.100.1"
    assert clients.of(request("127.0.0.1", "1.2.3.4, 198.51.100.1")) == "198.51.100.1"
    assert clients.of(request("127.0.0.1", "not-an-ip")) == "127.0.0.1"


def test_forwarded_headers_are_ignored_when_not_trusted() -> None:
    clients = ClientAddresses(trust_forwarded_for=False, trusted_proxies=LOOPBACK_AND_PRIVATE)
    assert clients.of(request("127.0.0.1", "198.51.100.1")) == "127.0.0.1"
    assert clients.scheme(request("127.0.0.1", proto="https")) == "http"
    trusting = ClientAddresses(trust_forwarded_for=True, trusted_proxies=LOOPBACK_AND_PRIVATE)
    assert trusting.scheme(request("127.0.0.1", proto="https")) == "https"
    assert trusting.scheme(request("203.0.113.1", proto="https")) == "http"


# Amounts as typed -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("1.234,56", "1234.56"), ("1234,56", "1234.56"), ("1,234.56", "1234.56"),
     ("1234.56", "1234.56"), ("1.234", "1234"), ("1,234", "1234"), ("1.234.567,8", "1234567.80"),
     ("12,5", "12.50"), ("-1.000,00", "-1000.00"), (" 1 234,56 ", "1234.56"), ("0,05", "0.05"),
     ("1000", "1000")],
)  # fmt: skip
def test_amounts_in_turkish_and_english_notation(typed: str, amount: str) -> None:
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize(
    "typed", ["", "abc", "1.2.3,4,5", "12,34.56", "0.125", "1234.567", "1,2,3", "1e5", "--1", "1."]
)
def test_what_is_not_an_amount(typed: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(typed)


# Attachments ------------------------------------------------------------------------------------


def test_files_are_known_by_their_content() -> None:
    assert sniff(tiny_pdf()) == PDF
    assert sniff(tiny_xlsx()) == XLSX
    assert sniff(tiny_image("PNG")) == "image/png"
    assert sniff(tiny_image("JPEG")) == "image/jpeg"
    for refused in (windows_program(), word_document(), b"PK\x03\x04broken", b"", b"<html>"):
        with pytest.raises(RefusedFile):
            sniff(refused)


def test_file_names_are_made_plain() -> None:
    assert clean_file_name("C:\\Users\\ali\\Mutabakat.pdf", PDF) == "Mutabakat.pdf"
    assert clean_file_name("../../etc/passwd", PDF) == "passwd"
    assert clean_file_name('a"b<c>\x00d.pdf', PDF) == "a_b_c_d.pdf"
    assert clean_file_name("", XLSX) == "ek.xlsx"
    assert clean_file_name("...", PDF) == "ek.pdf"
    long = clean_file_name("x" * 300 + ".xlsx", XLSX)
    assert len(long) == 200 and long.endswith(".xlsx")


# The answer's rules -----------------------------------------------------------------------------


def test_the_answer_rules() -> None:
    given, errors = check_answer(AnswerInput(answer="agreed", answered_by=" Ali  Veli "))
    assert errors == [] and given is not None and given.answered_by == "Ali Veli"
    _, errors = check_answer(AnswerInput(answer="disagreed", answered_by="Ali", reason="  "))
    assert [e.words for e in errors] == ["error_reason"]
    _, errors = check_answer(AnswerInput(answer="maybe"))
    assert [e.field for e in errors] == ["answer", "answered_by"]
    _, errors = check_answer(AnswerInput(answer="agreed", answered_by="A" * 201))
    assert [e.words for e in errors] == ["error_too_long"]
    given, _ = check_answer(
        AnswerInput(answer="disagreed", answered_by="A", reason="a\r\nb\x07", their_balance="1,5")
    )
    assert given is not None and given.reason == "a\nb" and given.their_balance == Decimal("1.50")


# Formats and words ------------------------------------------------------------------------------


def test_formats_in_both_languages() -> None:
    assert money(Decimal("1234.565")) == "1.234,57 TL"
    assert money(Decimal("1234.56"), "TRY", language="en") == "1,234.56 TRY"
    assert money(Decimal("-0.001"), "EUR") == "0,00 EUR"
    assert day(date(2025, 12, 31)) == "31.12.2025"
    assert day(date(2025, 12, 31), language="en") == "31 Dec 2025"
    assert period(date(2025, 1, 1)) == "Ocak 2025"
    assert (
        file_size(10 * 1024 * 1024) == "10 MB" and file_size(1536 * 1024, language="tr") == "1,5 MB"
    )
    assert (
        language_of("en") == "en" and language_of("de", "en") == "en" and language_of(None) == "tr"
    )


def test_both_languages_have_the_same_words() -> None:
    assert WORDS["tr"].keys() == WORDS["en"].keys()


# The letters' event -----------------------------------------------------------------------------


async def test_letters_without_a_tenant_are_dead_lettered_at_once() -> None:
    from portal.handlers import on_letters_issued
    from shared.errors import PermanentEventError
    from shared.events import Envelope, LettersIssued

    event = LettersIssued(letters=[])
    envelope = Envelope.wrap(event, tenant=None, correlation_id="test")
    with pytest.raises(PermanentEventError):
        await on_letters_issued("secret")(event, envelope=envelope, uow=None)  # type: ignore[arg-type]
