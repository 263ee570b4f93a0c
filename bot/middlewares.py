"""Middlewares: they only prepare the context of an update (here: the user's language)."""

from __future__ import annotations

from typing import Any

from aiogram.types import TelegramObject, User
from aiogram.utils.i18n import I18n, I18nMiddleware

from mentoring.signup import Signup, language_from_telegram


class UserLanguage(I18nMiddleware):
    """The language the user chose, or else the one their Telegram app reports."""

    def __init__(self, i18n: I18n, signup: Signup, default: str) -> None:
        super().__init__(i18n=i18n)
        self._signup = signup
        self._default = default

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        if user is None:
            return self._default
        record = await self._signup.user(user.id)
        if record is not None:
            return record.language
        return language_from_telegram(user.language_code, self._default)
