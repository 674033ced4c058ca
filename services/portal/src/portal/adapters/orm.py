"""portal's own tables (the shared outbox, inbox, idempotency and API-key tables come with them)."""

from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from shared.tables import NAMING_CONVENTION


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


metadata = Base.metadata
