"""The staff's CSV export."""

from __future__ import annotations


def test_csv_export_never_lets_user_text_run_as_a_formula() -> None:
    from mentoring.staff import to_csv

    text = to_csv([{"profession": "=HYPERLINK(\"http://x\")", "needs": ["cv", "oral"],
                    "capacity": 2}])
    assert text.splitlines() == ["profession,needs,capacity",
                                 "\"'=HYPERLINK(\"\"http://x\"\")\",cv|oral,2"]
