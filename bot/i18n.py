"""Translation catalogues: the checkout's ``.po`` files, or the installed package's ``.mo``.

aiogram's I18n expects compiled ``.mo`` files. In a checkout they are compiled in memory at
start-up, which keeps the ``.po`` files the single source and removes a step that is easy
to forget while editing them; a built wheel carries ``.mo`` files that setup.py compiled
into ``bot/locales``, since an installed package has no ``locales/`` beside it.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from aiogram.utils.i18n import I18n
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

PACKAGED_LOCALES = Path(__file__).resolve().with_name("locales")
CHECKOUT_LOCALES = Path(__file__).resolve().parents[1] / "locales"
LOCALES_DIR = PACKAGED_LOCALES if PACKAGED_LOCALES.is_dir() else CHECKOUT_LOCALES
DOMAIN = "binome"


class CatalogueI18n(I18n):
    @contextmanager
    def context(self) -> Iterator[I18n]:
        # aiogram's gettext looks the instance up on I18n itself; a subclass would otherwise
        # get a context variable of its own that nobody reads.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po")):
            locale = po_path.parent.parent.name
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=locale)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            translations[locale] = gettext.GNUTranslations(buffer)
        if not translations and self.path.is_dir():
            # An installed package: setup.py compiled the catalogues when the wheel was built.
            translations = super().find_locales()
        if not translations:
            # Without catalogues every message would silently be English.
            raise RuntimeError(f"no {self.domain} catalogue in {self.path}")
        return translations


def make_i18n(default_locale: str = "fr", path: Path = LOCALES_DIR) -> CatalogueI18n:
    return CatalogueI18n(path=path, default_locale=default_locale, domain=DOMAIN)
