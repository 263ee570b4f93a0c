"""Write a spreadsheet of N students, as a programme would export it, for timing
``binome import``: French column names, `;` separators, and values written the ways people
write them (codes, French or English labels, postal codes, department names, cities).

    .venv/bin/python bench/import_file.py 20000 > /tmp/students.csv
    /usr/bin/time -v .venv/bin/binome import students /tmp/students.csv
"""

from __future__ import annotations

import csv
import random
import sys

FIELDS = ["Droit", "informatique", "Medicine", "economics", "Psychologie", "Soins infirmiers",
          "law", "Marketing"]
LEVELS = ["L1", "L2", "Licence 3 (L3)", "master_1", "BTS / BUT", "lycee"]
PLACES = ["69003", "75011", "Seine-Saint-Denis", "13", "Lille", "2A", "974", "31000 Toulouse"]
NEEDS = ["cv", "CV, Préparation aux examens", "internship; job_search", "Moral support",
         "orientation"]
LANGUAGES = ["fr", "fr, en", "fr, ar"]
SLOTS = ["En semaine, le soir", "saturday, sunday", "weekday_evening; saturday"]


def letters(number: int) -> str:
    """A name part made of letters only (names may not hold digits): 0 -> a, 27 -> bb."""
    word = ""
    while True:
        number, rest = divmod(number, 26)
        word = "abcdefghijklmnopqrstuvwxyz"[rest] + word
        if number == 0:
            return word.capitalize()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    pick = random.Random(1).choice
    out = csv.writer(sys.stdout, delimiter=";")
    out.writerow(["telegram_id", "Prénom", "language", "field", "Niveau", "place", "needs",
                  "languages", "availability", "goals"])
    for i in range(count):
        out.writerow([7_000_000_000 + i, f"Élève {letters(i)}", pick(["fr", "en"]), pick(FIELDS),
                      pick(LEVELS), pick(PLACES), pick(NEEDS), pick(LANGUAGES), pick(SLOTS),
                      f"Réussir mon année et trouver un stage ({i})"])


if __name__ == "__main__":
    main()
