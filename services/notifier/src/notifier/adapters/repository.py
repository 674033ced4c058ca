"""All of notifier's queries."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from shared.uow import UnitOfWork

from .orm import LetterTemplate, SmtpSettings


class SmtpSettingsRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, settings: SmtpSettings) -> None:
        self.session.add(settings)

    async def get(self, tenant_id: uuid.UUID) -> SmtpSettings | None:
        return await self.session.get(SmtpSettings, tenant_id)

    async def remove(self, tenant_id: uuid.UUID) -> bool:
        """True when the tenant had settings of its own."""
        settings = await self.get(tenant_id)
        if settings is None:
            return False
        await self.session.delete(settings)
        return True


class LetterTemplateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, template: LetterTemplate) -> None:
        self.session.add(template)

    async def get(self, tenant_id: uuid.UUID, language: str) -> LetterTemplate | None:
        return await self.session.get(LetterTemplate, (tenant_id, language))

    async def remove(self, tenant_id: uuid.UUID, language: str) -> bool:
        """True when the tenant had a template of its own in ``language``."""
        template = await self.get(tenant_id, language)
        if template is None:
            return False
        await self.session.delete(template)
        return True


class NotifierUnitOfWork(UnitOfWork):
    smtp_settings: SmtpSettingsRepository
    letter_templates: LetterTemplateRepository

    async def __aenter__(self):
        await super().__aenter__()
        self.smtp_settings = SmtpSettingsRepository(self.session)
        self.letter_templates = LetterTemplateRepository(self.session)
        return self
