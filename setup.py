"""Build step that pyproject.toml cannot declare: the wheel carries compiled catalogues.

``locales/`` lives beside the packages (where ``make catalogues`` keeps it), so an installed
package would otherwise have no translations and speak English only. The ``.po`` files are
compiled here, once, into ``bot/locales/<lang>/LC_MESSAGES/binome.mo``: an installed package
may sit where nothing can be written (an image, a system site-packages), so it cannot compile
them on first use.
"""

from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = Path(__file__).resolve().parent / "locales"


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the .po files of the checkout
        for po_path in sorted(CATALOGUES.glob("*/LC_MESSAGES/*.po")):
            relative = po_path.relative_to(CATALOGUES).with_suffix(".mo")
            mo_path = Path(self.build_lib, "bot", "locales", relative)
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as source:
                catalog = read_po(source, locale=relative.parts[0])
            with mo_path.open("wb") as target:
                write_mo(target, catalog, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogues})
