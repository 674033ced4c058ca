"""reconciliation's own tables. API keys live in the shared ``api_keys`` table, which here is the
master copy and elsewhere a replica."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from shared.tables import NAMING_CONVENTION, SequenceId
from shared.types import Money, UtcDateTime


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Tenant(Base):
    """A firm using Mutabık."""

    __tablename__ = "tenants"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    legal_name: Mapped[str] = mapped_column(String(250), default="", server_default="")
    """The firm's title as its letters show it (Unvan); empty: ``name``."""
    tax_office: Mapped[str] = mapped_column(String(100), default="", server_default="")
    tax_id: Mapped[str] = mapped_column(String(11), default="", server_default="")


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("tenant_id", "email"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    email: Mapped[str] = mapped_column(String(320))
    name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Counterparty(Base):
    """A counterparty (cari hesap) as the ERP keeps it: one row of the template's Cari Kayıtlar."""

    __tablename__ = "counterparties"
    __table_args__ = (UniqueConstraint("tenant_id", "code", name="uq_counterparties_tenant_code"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(50))
    """HesapKod: the ERP's account code, e.g. ``120.01.005``."""
    kind: Mapped[str] = mapped_column(String(10))
    """CariTip: ``customer`` (Musteri) or ``supplier`` (Satici: also a supplier)."""
    title: Mapped[str] = mapped_column(String(250))
    email: Mapped[str] = mapped_column(String(320), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    tax_office: Mapped[str] = mapped_column(String(100), default="")
    tax_id: Mapped[str] = mapped_column(String(11), default="")
    """VKN (10 digits) or TCKN (11 digits); empty when unknown."""
    address: Mapped[str] = mapped_column(Text, default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    reconciliation_email: Mapped[str] = mapped_column(String(320), default="")
    """MutabakatSorumluEmail: the firm's own employee who reconciles with this counterparty."""
    kep_email: Mapped[str] = mapped_column(String(320), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    ibans: Mapped[list[str]] = mapped_column(JSON, default=list)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    contacts: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """Authorised persons (yetkililer): ``name``, ``email``, ``phone``, ``reconciliation_contact``
    (the "e-Mutabakat yetkilisi" flag: letters go to them too when a round asks for it)."""
    language: Mapped[str] = mapped_column(String(2), default="tr", server_default="tr")
    """``tr`` or ``en``: the language of its reconciliation letters."""
    search_text: Mapped[str] = mapped_column(Text, default="")
    """Code, title, tax number and aliases folded (Turkish-aware, no accents) for text search."""
    fingerprint: Mapped[str] = mapped_column(String(64))
    """SHA-256 of the fields above as the ERP sent them: a row sent again with the same data is
    told from a changed one without reading (and decoding) the stored row."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AccountMovement(Base):
    """One row of the template's Hesap Hareketleri, keyed by its KontrolKey. The counterparty is
    referred to by code, not by a foreign key: a movement of a code not (yet) imported is kept and
    reported, never dropped."""

    __tablename__ = "account_movements"
    __table_args__ = (
        Index("ix_account_movements_tenant_code_date", "tenant_id", "code", "balance_date"),
        # The opening entries of a code, for "movements before the latest opening don't count":
        # found without reading the code's other movements.
        Index(
            "ix_account_movements_openings",
            "tenant_id",
            "code",
            postgresql_include=["movement_type", "document_date", "record_date"],
            postgresql_where=text("movement_type IN (12, 13)"),
            sqlite_where=text("movement_type IN (12, 13)"),
        ),
    )

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    control_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str | None] = mapped_column(String(10))
    balance_date: Mapped[date] = mapped_column(Date)
    document_date: Mapped[date] = mapped_column(Date)
    record_date: Mapped[date] = mapped_column(Date)
    entry_date: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money())
    """Tutar, in ``currency``: positive is debit (borç), negative credit (alacak)."""
    local_amount: Mapped[Decimal] = mapped_column(Money())
    """YerelTutar: the amount in TRY, same sign."""
    currency: Mapped[str] = mapped_column(String(3))
    odk: Mapped[str] = mapped_column(String(50))
    system_document_no: Mapped[str] = mapped_column(String(100))
    reverses: Mapped[str | None] = mapped_column(String(100))
    """TersKayit: the SistemEvrakNo this row reverses; None for an ordinary row."""
    movement_type: Mapped[int] = mapped_column(SmallInteger)
    """HareketTipi: 12/13 opening entry (by document / record date), 14 normal."""
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    """The import that stored this version of the row."""


class BabsMovement(Base):
    """One row of the template's BA/BS Hareketleri, keyed by its KontrolKey."""

    __tablename__ = "babs_movements"
    __table_args__ = (Index("ix_babs_movements_tenant_period", "tenant_id", "period", "code"),)

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    control_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    code: Mapped[str] = mapped_column(String(50))
    kind: Mapped[str | None] = mapped_column(String(10))
    period: Mapped[date] = mapped_column(Date)
    """CariDönem as the first day of its month."""
    document_date: Mapped[date] = mapped_column(Date)
    record_date: Mapped[date] = mapped_column(Date)
    entry_date: Mapped[date | None] = mapped_column(Date)
    document_no: Mapped[str] = mapped_column(String(100))
    """MatbuuEvrakNo, the printed number."""
    series: Mapped[str] = mapped_column(String(100))
    """The document number's series (its leading letters, upper case), for "exclude series"."""
    base_amount: Mapped[Decimal] = mapped_column(Money())
    """Matrah: the total excluding VAT."""
    system_document_no: Mapped[str] = mapped_column(String(100))
    reverses: Mapped[str | None] = mapped_column(String(100))
    form: Mapped[str] = mapped_column(String(2))
    """Tip: ``BA`` (Form Ba, purchases) or ``BS`` (Form Bs, sales)."""
    import_id: Mapped[uuid.UUID] = mapped_column(Uuid)


class BabsDocumentRow(Base):
    """A BA/BS document of a month, summed from its rows in ``babs_movements``: the forms count
    and total documents, not rows. Rebuilt for the months an import touches, in its transaction."""

    __tablename__ = "babs_documents"

    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    code: Mapped[str] = mapped_column(String(50), primary_key=True)
    form: Mapped[str] = mapped_column(String(2), primary_key=True)
    document_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    """The SistemEvrakNo of the document; reversal rows belong to the one they reverse."""
    document_no: Mapped[str] = mapped_column(String(100))
    document_date: Mapped[date] = mapped_column(Date)
    series: Mapped[str] = mapped_column(String(100))
    net: Mapped[Decimal] = mapped_column(Money())
    """Σ Matrah of its ordinary rows − Σ |Matrah| of its reversal rows."""
    rows: Mapped[int] = mapped_column(Integer)
    reversed: Mapped[bool] = mapped_column(Boolean)


class ImportJob(Base):
    """One import of a data set (an .xlsx file or a JSON array) and its progress and report."""

    __tablename__ = "imports"
    __table_args__ = (Index("ix_imports_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    dataset: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(10))
    """``xlsx`` or ``json``."""
    file_name: Mapped[str] = mapped_column(String(300))
    on_error: Mapped[str] = mapped_column(String(10))
    """``refuse``: any bad row refuses the whole file; ``skip``: good rows stored, bad reported."""
    state: Mapped[str] = mapped_column(String(10))
    """queued → running → stored | refused | failed."""
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_created: Mapped[int] = mapped_column(Integer, default=0)
    rows_updated: Mapped[int] = mapped_column(Integer, default=0)
    rows_unchanged: Mapped[int] = mapped_column(Integer, default=0)
    rows_refused: Mapped[int] = mapped_column(Integer, default=0)
    errors: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """The first row errors: ``row``, ``column``, ``value``, ``reason``."""
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """The first warnings, e.g. movements of a counterparty code not imported yet."""
    warning_count: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(50))
    """The API key's id."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Round(Base):
    """An e-Mutabakat round (the seeds' "operasyon"): one kind of letter to many counterparties."""

    __tablename__ = "rounds"
    __table_args__ = (Index("ix_rounds_tenant_created", "tenant_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    kind: Mapped[str] = mapped_column(String(10))
    """``balance`` (at ``as_of``) or ``babs`` (Form Ba / Form Bs of ``period``)."""
    as_of: Mapped[date | None] = mapped_column(Date)
    period: Mapped[date | None] = mapped_column(Date)
    parameters: Mapped[dict] = mapped_column(JSON, default=dict)
    """What the amounts were computed with: threshold, merge_by_tax_id, exclude_series,
    include_zero_balances, and whom the letters went to (send_to_contacts, send_to_kep)."""
    description: Mapped[str] = mapped_column(String(200))
    """The e-mails' subject (mutabakat açıklaması)."""
    note: Mapped[str] = mapped_column(Text, default="")
    validity_date: Mapped[date] = mapped_column(Date)
    reminder_days_before: Mapped[int | None] = mapped_column(SmallInteger)
    reminded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    state: Mapped[str] = mapped_column(String(10))
    """``draft`` (letters prepared, nothing sent) → ``ongoing`` → ``completed``."""
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_by: Mapped[str] = mapped_column(String(50))
    created_by_email: Mapped[str | None] = mapped_column(String(320))
    """The user e-mail of a key limited to its counterparties; such keys see their own rounds."""
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class Letter(Base):
    """One counterparty's letter in a round, its amounts frozen when the round was created."""

    __tablename__ = "letters"
    __table_args__ = (Index("ix_letters_round_state", "round_id", "state"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    tenant_id: Mapped[uuid.UUID] = mapped_column(Uuid, index=True)
    round_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    code: Mapped[str] = mapped_column(String(50))
    """The counterparty the letter goes to (the first code of a line merged by tax number)."""
    codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    title: Mapped[str] = mapped_column(String(250))
    recipients: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """``address``, ``role`` (counterparty / contact / kep), ``name``."""
    content: Mapped[dict] = mapped_column(JSON)
    """The letter as :class:`shared.events.LetterRecord` JSON: what it says, frozen."""
    documents: Mapped[list[dict]] = mapped_column(JSON, default=list, server_default="[]")
    """The documents behind its amounts (:class:`shared.events.DocumentRecord` JSON), frozen
    with them: the movements of the balance, or the BA/BS documents of the month."""
    answer: Mapped[dict | None] = mapped_column(JSON)
    """The counterparty's answer as the portal reported it: who (name, title), when, from
    where, their own balance, the attached file's name and size."""
    state: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text, default="")
    """Why it is excluded, failed or disagreed."""
    sends: Mapped[int] = mapped_column(Integer, default=0)
    """E-mails queued so far; the next one's ``send_no`` is this plus one."""
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class LetterEvent(Base):
    """A letter's history: every state change, and every e-mail queued for it, with its source."""

    __tablename__ = "letter_events"
    __table_args__ = (Index("ix_letter_events_letter", "letter_id", "seq"),)

    seq: Mapped[int] = mapped_column(SequenceId, primary_key=True, autoincrement=True)
    letter_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    event: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10))
    """The letter's state after the event."""
    source: Mapped[str] = mapped_column(String(60))
    """``<role>:<key id>`` of an API key, ``notifier``, ``portal`` or ``system``."""
    detail: Mapped[str] = mapped_column(Text, default="")


class LetterEmail(Base):
    """One e-mail of a letter (the first, a resend or a reminder) and what became of it."""

    __tablename__ = "letter_emails"

    letter_id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    send_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(10))
    recipients: Mapped[list[dict]] = mapped_column(JSON)
    queued_at: Mapped[datetime] = mapped_column(UtcDateTime())
    queued_by: Mapped[str] = mapped_column(String(60))
    outcome: Mapped[str] = mapped_column(String(10))
    """``queued`` until the notifier reports ``sent`` or ``failed``."""
    reason: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[list[dict]] = mapped_column(JSON, default=list)
    """Every attempt: ``address``, ``outcome``, ``code``, ``reply``, ``at``."""
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


metadata = Base.metadata
