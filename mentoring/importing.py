"""Reading participants from a spreadsheet (CSV), checked row by row with the sign-up form's
own rules.

A programme that moves to Binôme from a spreadsheet exports it as CSV: one header row, then
one participant per row. :func:`parse_csv` reads the bytes (UTF-8 with or without BOM, ``;``,
``,`` or tab as the delimiter, sniffed from the header) and turns every valid row into an
:class:`ImportRow` holding a complete sign-up :class:`~mentoring.form.Draft`; every problem is
a :class:`Problem` naming its line, one sentence each, and all of them are reported, not just
the first. :func:`decide` then sets the rows against the profiles already in the database.

Nothing here touches a database: storage writes what this module accepted.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from mentoring import catalog
from mentoring.catalog import Field, Option
from mentoring.errors import InvalidAnswer
from mentoring.form import (
    AVAILABILITY,
    BIO,
    CAPACITY,
    FIRST_NAME,
    GOALS,
    HELP_FAMILIES,
    LANGUAGES,
    LEVEL,
    NEEDS,
    PLACE,
    PROFESSION,
    REMOTE,
    SECTOR,
    SKILLS,
    Draft,
    Step,
    check_choice,
    check_choices,
    check_place,
    check_text,
)
from mentoring.model import Profile, Role
from mentoring.signup import SUPPORTED_LANGUAGES
from mentoring.text import fold
from mentoring.vetting import Safeguarding, parse_birth_year

__all__ = [
    "COLUMNS",
    "IMPORT_SOURCE",
    "OPTIONAL_COLUMNS",
    "Decision",
    "ImportRow",
    "ParsedFile",
    "Problem",
    "decide",
    "parse_csv",
]

IMPORT_SOURCE = "import"
"""The sign-up source recorded for people who came in through an import."""

Translate = Callable[[str], str]

# The columns of each file, in the order of the sign-up form. ``telegram_id`` and
# ``language`` are not form answers; every other name is the form step's name.
COLUMNS: Mapping[Role, tuple[str, ...]] = {
    Role.STUDENT: ("telegram_id", "first_name", "language", "birth_year", "field", "level",
                   "place", "needs", "languages", "availability", "goals"),
    Role.VOLUNTEER: ("telegram_id", "first_name", "language", "profession", "sector", "field",
                     "help_families", "place", "remote", "skills", "languages", "capacity",
                     "availability", "bio", "approved"),
}
OPTIONAL_COLUMNS = frozenset({"language", "birth_year", "approved"})
"""``birth_year`` empty: not known; ``approved`` yes: staff vetted the volunteer already
(else they wait in /approvals when approval is required)."""

# Other headers people write for the same columns (compared folded: case, accents and
# punctuation do not matter).
_HEADER_ALIASES: Mapping[str, str] = {
    "id": "telegram_id", "telegram": "telegram_id", "user id": "telegram_id",
    "telegram user id": "telegram_id", "id telegram": "telegram_id",
    "prenom": "first_name", "name": "first_name",
    "langue": "language", "bot language": "language", "langue du bot": "language",
    "field of study": "field", "domaine": "field", "filiere": "field",
    "domaine d etudes": "field", "own field": "field",
    "niveau": "level", "niveau d etudes": "level",
    "lieu": "place", "code postal": "place", "postal code": "place", "ville": "place",
    "city": "place", "departement": "place", "department": "place",
    "besoins": "needs",
    "langues": "languages",
    "disponibilites": "availability", "disponibilite": "availability",
    "objectifs": "goals",
    "metier": "profession", "job": "profession",
    "secteur": "sector",
    "fields you can help with": "help_families", "help fields": "help_families",
    "domaines": "help_families",
    "a distance": "remote", "mentoring at a distance": "remote",
    "competences": "skills", "how you can help": "skills",
    "capacite": "capacity", "number of students": "capacity",
    "nombre d etudiants": "capacity",
    "about you": "bio", "presentation": "bio",
    "annee de naissance": "birth_year", "year of birth": "birth_year",
    "approuve": "approved", "valide": "approved",
}

_MAX_TELEGRAM_ID = 2**63 - 1  # what the database column holds
_LIST_SEPARATORS = re.compile(r"[;|\n]")
_ARTICLE = re.compile(r"^(?:le|la|les|l|the) ")


@dataclass(frozen=True, order=True)
class Problem:
    """Something wrong in the file, on ``line`` (1 is the header)."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True)
class ImportRow:
    """A row that passed every check of the form: who, in which language, and the answers."""

    line: int
    user_id: int
    language: str | None  # None: the column was left empty
    draft: Draft
    approved: bool = False  # a volunteer staff vetted before the import

    def profile(self, now: datetime) -> Profile:
        if self.draft.role is Role.STUDENT:
            return self.draft.to_student(self.user_id, now)
        return self.draft.to_volunteer(self.user_id, now)


@dataclass
class ParsedFile:
    """What :func:`parse_csv` made of a file."""

    role: Role
    rows: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    notes: list[Problem] = field(default_factory=list)  # harmless: ignored columns
    delimiter: str = ","
    read: int = 0  # participant rows found (blank rows aside)
    fatal: bool = False  # the file itself is unreadable: no row can be imported

    def invalid_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems})


@dataclass
class Decision:
    """The valid rows set against the database: what to create, what to update, and the
    rows refused because of what is already there."""

    create: list[ImportRow] = field(default_factory=list)
    update: list[ImportRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def decide(rows: Iterable[ImportRow], existing: Mapping[int, Role], *,
           update: bool) -> Decision:
    """Sort the rows by what the database holds: ``existing`` maps the Telegram ids that
    already have a profile to its role. Such a row is a duplicate, unless ``update`` is set
    and the role is the same; an import never changes someone's role."""
    decision = Decision()
    for row in rows:
        role = existing.get(row.user_id)
        if role is None:
            decision.create.append(row)
        elif role is not row.draft.role:
            decision.problems.append(Problem(row.line, (
                f"telegram_id {row.user_id} already has a {role.value} profile; an import "
                "cannot change someone's role")))
        elif update:
            decision.update.append(row)
        else:
            decision.problems.append(Problem(row.line, (
                f"telegram_id {row.user_id} already has a {role.value} profile (use --update "
                "to replace it with this row)")))
    return decision


# --------------------------------------------------------------------------- reading


def parse_csv(data: bytes, role: Role, translations: Sequence[Translate] = (), *,
              today: date | None = None, min_age: int = 16) -> ParsedFile:
    """Check every row of a CSV file of ``role``\\ s. ``translations`` turn the catalogue's
    English labels into other languages (French), so that labels in those languages are
    accepted as well as codes and English labels. A year of birth under ``min_age`` on
    ``today`` is refused, as in the chat."""
    parsed = ParsedFile(role)
    text = _decode(data, parsed)
    if text is None:
        return parsed
    first_line = text.split("\n", 1)[0]
    if not first_line.strip():
        parsed.problems.append(Problem(1, "the file is empty; its first line must be the "
                                          "header, naming the columns"))
        parsed.fatal = True
        return parsed
    parsed.delimiter = _sniff(first_line)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=parsed.delimiter)
    header = next(reader)
    columns = _read_header(header, role, parsed)
    if parsed.fatal:
        return parsed
    rows = _RowReader(role, translations, today or datetime.now(UTC).date(), min_age)
    seen: dict[int, list[int]] = {}
    candidates: list[tuple[ImportRow | None, int, int | None]] = []
    line = reader.line_num + 1
    try:
        for cells in reader:
            start, line = line, reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            parsed.read += 1
            row, user_id = rows.read(start, cells, columns, len(header), parsed.problems)
            if user_id is not None:
                seen.setdefault(user_id, []).append(start)
            candidates.append((row, start, user_id))
    except csv.Error as error:
        parsed.problems.append(Problem(line, f"the file cannot be read as CSV past this "
                                             f"point ({error})"))
        parsed.fatal = True
        return parsed
    for user_id, lines in seen.items():
        for here in lines if len(lines) > 1 else ():
            others = ", ".join(str(n) for n in lines if n != here)
            plural = "s" if len(lines) > 2 else ""
            parsed.problems.append(Problem(
                here, f"telegram_id {user_id} is also on line{plural} {others}"))
    invalid = set(parsed.invalid_lines())
    parsed.rows = [row for row, start, _ in candidates if row is not None and start not in invalid]
    parsed.problems.sort(key=lambda problem: problem.line)
    return parsed


def _decode(data: bytes, parsed: ParsedFile) -> str | None:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        parsed.problems.append(Problem(line, 'the file is not UTF-8 text; save it from the '
                                             'spreadsheet as "CSV UTF-8"'))
        parsed.fatal = True
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _sniff(header_line: str) -> str:
    """The delimiter of the file, from its header (column names hold none of these)."""
    counts = {delimiter: header_line.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def _column_name(header: str) -> str | None:
    folded = fold(header)
    for name in set(COLUMNS[Role.STUDENT]) | set(COLUMNS[Role.VOLUNTEER]):
        if folded == fold(name):
            return name
    return _HEADER_ALIASES.get(folded)


def _read_header(header: list[str], role: Role, parsed: ParsedFile) -> dict[str, int]:
    wanted = COLUMNS[role]
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        if not title.strip():
            continue
        name = _column_name(title)
        if name is None or name not in wanted:
            parsed.notes.append(Problem(1, f'the column "{title.strip()}" is not used; it was '
                                           "ignored"))
        elif name in columns:
            parsed.problems.append(Problem(1, f'the column "{name}" appears twice '
                                              f'("{header[columns[name]].strip()}" and '
                                              f'"{title.strip()}")'))
        else:
            columns[name] = index
    for name in wanted:
        if name not in columns and name not in OPTIONAL_COLUMNS:
            parsed.problems.append(Problem(1, f'the column "{name}" is missing (a {role.value} '
                                              f"file has the columns {', '.join(wanted)})"))
    parsed.fatal = bool(parsed.problems)
    return columns


# ------------------------------------------------------------------------- one row


class _RowReader:
    """Checks the cells of one row; remembers how each distinct value resolved, so a large
    file with few distinct values is read quickly."""

    def __init__(self, role: Role, translations: Sequence[Translate], today: date,
                 min_age: int) -> None:
        self.role = role
        self.translations = tuple(translations)
        self.today = today
        self.min_age = min_age
        self._aliases: dict[str, dict[str, str]] = {}
        self._fields: dict[str, str | list[str]] = {}
        self._places: dict[str, dict[str, str | None] | str] = {}
        self._lists: dict[tuple[str, str], tuple[list[str], list[str]]] = {}

    def read(self, line: int, cells: list[str], columns: Mapping[str, int], width: int,
             problems: list[Problem]) -> tuple[ImportRow | None, int | None]:
        found: list[str] = []
        extra = [cell for cell in cells[width:] if cell.strip()]
        if extra:
            found.append(f"the row has {len(cells)} cells but the header names {width} "
                         "columns")

        def cell(name: str) -> str:
            index = columns.get(name)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        user_id = self._telegram_id(cell("telegram_id"), found)
        language = self._language(cell("language"), found)
        answers: dict[str, Any] = {}
        if self.role is Role.STUDENT:
            answers["birth_year"] = self._birth_year(cell("birth_year"), found)
        approved = self._approved(cell("approved"), found) if self.role is Role.VOLUNTEER \
            else False
        for name in COLUMNS[self.role]:
            if name in ("telegram_id", "language", "birth_year", "approved"):
                continue
            value = self._answer(name, cell(name), found)
            if value is not None:
                answers[name] = value
        problems.extend(Problem(line, message) for message in found)
        if found or user_id is None:
            return None, user_id
        return ImportRow(line, user_id, language, Draft(self.role, answers), approved), user_id

    # -- columns

    @staticmethod
    def _telegram_id(raw: str, found: list[str]) -> int | None:
        text = raw.replace(" ", "").replace("\u00a0", "")
        if not text:
            found.append("telegram_id is empty: the bot can only reach people by their "
                         "Telegram user id")
            return None
        if text.startswith("-") and text[1:].isdigit():
            found.append(f'telegram_id "{raw}" is a group or channel id, not a person\'s')
            return None
        if not text.isdigit():
            hint = (" (format the column as text, not as a number, in the spreadsheet)"
                    if "e+" in text.lower() else "")
            found.append(f'telegram_id "{raw}" is not a whole number{hint}')
            return None
        value = int(text)
        if not 0 < value <= _MAX_TELEGRAM_ID:
            found.append(f'telegram_id "{raw}" is not a Telegram user id')
            return None
        return value

    def _birth_year(self, raw: str, found: list[str]) -> int | None:
        if not raw:
            return None
        try:
            year = parse_birth_year(raw, self.today)
        except InvalidAnswer:
            found.append(f'birth_year "{raw}" is not a year of birth (four digits, for '
                         "example 2007)")
            return None
        if Safeguarding(min_age=self.min_age).too_young(year, self.today):
            found.append(f"birth_year {year}: under {self.min_age}, too young for the "
                         "programme")
            return None
        return year

    @staticmethod
    def _approved(raw: str, found: list[str]) -> bool:
        text = fold(raw)
        if text in ("", "no", "non", "false", "0"):
            return False
        if text in ("yes", "oui", "true", "1"):
            return True
        found.append(f'approved "{raw}" is not yes or no')
        return False

    def _language(self, raw: str, found: list[str]) -> str | None:
        if not raw:
            return None
        options = tuple(o for o in catalog.LANGUAGES if o.code in SUPPORTED_LANGUAGES)
        code = self._aliases_of("language", options).get(fold(raw))
        if code is None and fold(raw)[:3] in ("fr ", "en "):  # fr-FR, en_GB
            code = fold(raw)[:2]
        if code is None:
            found.append(f'language "{raw}" is not one of: fr, en (the language the bot '
                         "speaks to them)")
        return code

    def _answer(self, name: str, raw: str, found: list[str]) -> Any:
        if name == "field":
            return self._field(raw, found)
        if name == "place":
            return self._place(raw, found)
        step = _STEPS[name]
        if step in _TEXT_STEPS:
            try:
                return check_text(step, raw)
            except InvalidAnswer as error:
                found.append(_text_problem(name, step, raw, error.reason))
                return None
        if step in _MULTI_STEPS:
            return self._choices(step, raw, found)
        return self._choice(step, raw, found)

    def _choice(self, step: Step, raw: str, found: list[str]) -> str | None:
        if not raw:
            found.append(f"{step.name} is empty: {_one_of(step.options)}")
            return None
        code = self._aliases_of(step.name, step.options).get(fold(raw))
        if code is None:
            found.append(f'{step.name} "{raw}" is not {_one_of(step.options)}')
            return None
        return check_choice(step, code)

    def _choices(self, step: Step, raw: str, found: list[str]) -> list[str] | None:
        aliases = self._aliases_of(step.name, step.options)
        if step is HELP_FAMILIES:
            if "field_families" not in self._aliases:
                self._aliases["field_families"] = {**self._field_families(), **aliases}
            aliases = self._aliases["field_families"]
        known = self._lists.get((step.name, raw))
        if known is None:
            chosen: list[str] = []
            unknown: list[str] = []
            for piece in _LIST_SEPARATORS.split(raw):
                codes, missing = _split_commas(piece, aliases)
                chosen += codes
                unknown += missing
            known = self._lists[(step.name, raw)] = (chosen, unknown)
        chosen, unknown = known
        for value in unknown:
            found.append(f'{step.name} "{value}" is not {_one_of(step.options)}')
        if unknown:
            return None
        if not chosen:
            found.append(f"{step.name} is empty: give at least one value; "
                         f"{_one_of(step.options)}")
            return None
        return check_choices(step, chosen)

    def _field(self, raw: str, found: list[str]) -> str | None:
        if not raw:
            what = "their own field" if self.role is Role.VOLUNTEER else "the field of study"
            found.append(f'field is empty: give {what}, as a code such as "law" or a name '
                         'such as "Droit"')
            return None
        known = self._fields.get(raw)
        if known is None:
            known = self._fields[raw] = self._resolve_field(raw)
        if isinstance(known, str):
            return known
        if known:
            found.append(f'field "{raw}" could be several fields: {", ".join(known)}; '
                         "write one of these codes")
        else:
            found.append(f'field "{raw}" matches no field of study; write a code such as '
                         '"computer_sci" or a name such as "Informatique" (the README lists '
                         "the codes)")
        return None

    def _resolve_field(self, raw: str) -> str | list[str]:
        """A field code, or the candidates (none, or several) when it is not clear."""
        exact = self._field_aliases().get(fold(raw))
        if exact is not None:
            return exact
        found: dict[str, Field] = {}
        for translate in (_same, *self.translations):
            for candidate in catalog.search_fields(raw, label_of=translate, limit=6):
                found.setdefault(candidate.code, candidate)
        if len(found) == 1:
            return next(iter(found))
        return sorted(found)

    def _field_aliases(self) -> dict[str, str]:
        """Folded code, labels and keywords of every field; a keyword shared by several
        fields (``cap``, ``btp``) points to all of them, so it is ambiguous."""
        key = "field"
        if key not in self._aliases:
            aliases: dict[str, str] = {}
            ambiguous: set[str] = set()
            for item in catalog.FIELDS:
                names = {item.code, fold(item.code), fold(item.label), *map(fold, item.keywords)}
                names |= {fold(t(item.label)) for t in self.translations}
                for name in names:
                    if aliases.get(name, item.code) != item.code:
                        ambiguous.add(name)
                    aliases.setdefault(name, item.code)
            self._aliases[key] = {k: v for k, v in aliases.items() if k not in ambiguous}
        return self._aliases[key]

    def _field_families(self) -> dict[str, str]:
        """A field's code or name in help_families stands for its family."""
        return {name: catalog.field(code).family for name, code in self._field_aliases().items()}

    def _place(self, raw: str, found: list[str]) -> dict[str, str | None] | None:
        known = self._places.get(raw)
        if known is None:
            try:
                place = check_place(PLACE, raw)
                known = {"department": place.department.code, "postal_code": place.postal_code}
            except InvalidAnswer as error:
                known = _PLACE_PROBLEMS.get(error.reason, _PLACE_PROBLEMS["unknown_department"])
            self._places[raw] = known
        if isinstance(known, str):
            found.append(known.format(raw=raw))
            return None
        return dict(known)

    def _aliases_of(self, name: str, options: tuple[Option, ...]) -> dict[str, str]:
        """What may be written for each option: the code, and the label in English or in a
        translation, whole or only its part in brackets ("L2" for "Licence 2 (L2)")."""
        if name not in self._aliases:
            aliases: dict[str, str] = {}
            ambiguous: set[str] = set()
            for option in options:
                labels = {option.label, *(t(option.label) for t in self.translations)}
                names = {option.code, fold(option.code)}
                for label in labels:
                    names.add(fold(label))
                    names.add(_ARTICLE.sub("", fold(label)))  # "Le samedi": "samedi"
                    names.update(fold(part) for part in re.findall(r"\(([^)]*)\)", label))
                if name == "remote":
                    names |= _YES_NO_EXTRA[option.code]
                for alias in names - {""}:
                    if aliases.get(alias, option.code) != option.code:
                        ambiguous.add(alias)
                    aliases.setdefault(alias, option.code)
            self._aliases[name] = {k: v for k, v in aliases.items() if k not in ambiguous}
        return self._aliases[name]


def _split_commas(piece: str, aliases: Mapping[str, str]) -> tuple[list[str], list[str]]:
    """Values of a cell part separated by commas. Some labels hold a comma themselves
    ("Weekdays, evening"), so the longest run of comma-separated words that names a value
    is taken first."""
    words = piece.split(",")
    codes: list[str] = []
    unknown: list[str] = []
    start = 0
    while start < len(words):
        for end in range(len(words), start, -1):
            code = aliases.get(fold(",".join(words[start:end])))
            if code is not None:
                codes.append(code)
                start = end
                break
        else:
            if words[start].strip():
                unknown.append(words[start].strip())
            start += 1
    return codes, unknown


def _same(label: str) -> str:
    return label


def _one_of(options: tuple[Option, ...]) -> str:
    return ("one of: " + ", ".join(o.code for o in options)
            + " (a code, or its label in French or English)")


_STEPS: Mapping[str, Step] = {
    step.name: step
    for step in (FIRST_NAME, LEVEL, NEEDS, LANGUAGES, AVAILABILITY, GOALS, PROFESSION, SECTOR,
                 HELP_FAMILIES, REMOTE, SKILLS, CAPACITY, BIO)
}
_TEXT_STEPS = frozenset({FIRST_NAME, GOALS, PROFESSION, BIO})
_MULTI_STEPS = frozenset({NEEDS, LANGUAGES, AVAILABILITY, HELP_FAMILIES, SKILLS})
_YES_NO_EXTRA: Mapping[str, set[str]] = {
    "yes": {"y", "o", "true", "vrai", "1", "x"},
    "no": {"n", "false", "faux", "0"},
}

_PLACE_PROBLEMS: Mapping[str, str] = {
    "empty": ("place is empty: give a postal code, a department number or a department "
              "name"),
    "unknown_postal_code": 'place "{raw}" is not a French postal code we know',
    "unknown_department": ('place "{raw}" is not a postal code, department number, '
                           "department name or large city we know"),
    "corsica_ambiguous": ('place "{raw}" could be Corse-du-Sud (2A) or Haute-Corse (2B): '
                          "give the department or a postal code"),
    "not_france": 'place "{raw}" is outside the French departments the programme covers',
}


def _text_problem(name: str, step: Step, raw: str, reason: str) -> str:
    if reason == "empty":
        return f"{name} is empty"
    if reason == "too_long":
        return f"{name} is longer than {step.max_length} characters"
    if reason == "too_short":
        return f"{name} is shorter than {step.min_length} characters"
    if reason == "no_letters":
        return f'{name} "{raw}" has no letters'
    return (f'{name} "{raw}" may only hold letters, spaces, hyphens, apostrophes and '
            "dots")
