"""The answers page of an open question without themes: every answer escaped, none of a field of names."""

import csv

from zqf_analysis.report.answers_page import write_answers_page


def _processed(tmp_path, rows):
    processed = tmp_path / "processed"
    processed.mkdir()
    with (processed / "open_responses.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["question_id", "response_id", "text", "clean_text", "substantive", "duplicate_of"])
        writer.writerows(rows)
    return processed


def test_answers_are_listed_as_text(tmp_path):
    processed = _processed(
        tmp_path,
        [["Q4", "1", "<script>x</script>", "<script>x</script>", "True", ""], ["Q4", "2", "N/A", "N/A", "False", ""],
         ["Q5", "1", "Amina Banda", "Amina Banda", "True", ""]],
    )
    entry = {"question": "Q4", "text": "Why?", "answers": 2, "substantive": 1, "reason": "1 substantive answer"}
    rule = "permission: 'Yes' used; 'No' and no answer left out"
    page = write_answers_page(tmp_path / "reports", processed, entry, rule).read_text(encoding="utf-8")
    assert "2 answers (1 substantive), no themes: 1 substantive answer." in page
    assert "Consent rule: permission: &#x27;Yes&#x27; used; &#x27;No&#x27; and no answer left out." in page
    assert "<td>&lt;script&gt;x&lt;/script&gt;</td>" in page and "<script>" not in page
    assert "<td>N/A</td>" in page and "Amina" not in page  # Q5's answer is not Q4's


def test_a_field_of_names_lists_no_answer(tmp_path):
    processed = _processed(
        tmp_path,
        [["Q5", "1", "Amina Banda", "Amina Banda", "True", ""], ["Q5", "2", "Kofi Mensah", "Kofi Mensah", "True", ""]],
    )
    entry = {"question": "Q5", "text": "Your name (optional)", "answers": 2, "substantive": 2, "kind": "name",
             "reason": "a field of names, detected from the answers"}
    page = write_answers_page(tmp_path / "reports", processed, entry).read_text(encoding="utf-8")
    assert "2 answers (2 substantive), no themes: a field of names" in page
    assert "Amina" not in page and "Kofi" not in page and "<table>" not in page
    assert "no page lists them" in page


def test_no_page_before_the_cleaning(tmp_path):
    (tmp_path / "processed").mkdir()
    entry = {"question": "Q4", "text": "Why?", "answers": 0, "substantive": 0, "reason": "none"}
    assert write_answers_page(tmp_path / "reports", tmp_path / "processed", entry) is None
    assert not (tmp_path / "reports").exists()
