"""Faulty datasets as users really send them: each gets one message in the user's terms.

Every case is a structural fault with a rule name, naming the file (or table), the line or column,
what is wrong and what to do, and never DuckDB's own text; the command line exits 2 without a
traceback. Line numbers are the line of the file where a record starts, as a text editor shows
them: the tests compute them independently, by building the file and counting line breaks.
"""

from __future__ import annotations

import csv
import random
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from typer.testing import CliRunner

import cxroi
from cxroi.cli import app
from cxroi.errors import ContractError, Problem
from cxroi.io import csv_files

T = "2025-01-01T00:00:00Z"
CUSTOMERS = f"customer_id,acquired_at\nk1,{T}\n"
HEADER = "contact_id,customer_id,started_at,channel,ai_mode,handle_seconds,notes"
ENGINE_WORDS = ("Invalid Input Error", "Possible fixes", "magic bytes found", "sniffing")


def _contact(i: int, mode: str = "ai_only", notes: str = "ok") -> str:
    return f"c{i},k1,2025-01-{i % 28 + 1:02d}T00:00:00Z,chat,{mode},10,{notes}"


def _contacts(n: int = 5) -> str:
    return "\n".join([HEADER, *(_contact(i) for i in range(n))]) + "\n"


def _dataset(folder: Path, **files: str | bytes) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    files = {"customers.csv": CUSTOMERS, "contacts.csv": _contacts(), **files}
    for name, text in files.items():
        (folder / name).write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return folder


def _only_problem(folder: Path) -> Problem:
    with pytest.raises(ContractError) as info:
        cxroi.load_dataset(folder)
    problems = info.value.problems
    assert len(problems) == 1, problems
    [problem] = problems
    assert not any(word in problem.message for word in ENGINE_WORDS), problem.message
    return problem


# --- a column that appears twice -------------------------------------------------------------


def test_a_column_repeated_exactly_names_both_positions(tmp_path: Path) -> None:
    data = _dataset(tmp_path, **{"contacts.csv": _contacts().replace(",notes", ",channel", 1)})
    p = _only_problem(data)
    assert p.rule == "duplicate_column" and p.where == "contacts.channel"
    assert "contacts.csv" in p.message
    assert "'channel' (column 4) and 'channel' (column 7)" in p.message


@pytest.mark.parametrize("second", ["Customer_ID", " customer_id ", "CUSTOMER_ID"])
def test_a_column_repeated_after_folding_case_and_spaces(tmp_path: Path, second: str) -> None:
    data = _dataset(tmp_path, **{"customers.csv": f"customer_id,acquired_at,{second}\nk1,{T},k2\n"})
    p = _only_problem(data)
    assert p.rule == "duplicate_column" and p.where == f"customers.{second.strip()}"
    assert f"'customer_id' (column 1) and {second!r} (column 3)" in p.message
    assert "case and spaces are ignored" in p.message


def test_a_column_repeated_in_parquet(tmp_path: Path) -> None:
    data = _dataset(tmp_path)
    (data / "customers.csv").unlink()
    table = pa.Table.from_arrays(
        [pa.array(["k1"]), pa.array([T]), pa.array(["k2"])], names=["customer_id", "acquired_at", "customer_id"]
    )
    pq.write_table(table, data / "customers.parquet")
    p = _only_problem(data)
    assert p.rule == "duplicate_column" and "customers.parquet" in p.message
    assert "(column 1)" in p.message and "(column 3)" in p.message


# --- line numbers when a quoted value holds a line break -------------------------------------


def _quarantined_lines(data: Path, out: Path) -> dict[str, int]:
    ds = cxroi.load_dataset(data)
    path = ds.write_quarantine(out)["contacts"]
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["contact_id"]: int(row["line"]) for row in csv.DictReader(fh)}


def test_quarantine_lines_are_where_each_record_starts(tmp_path: Path) -> None:
    rows = [
        HEADER,
        _contact(0),
        _contact(1, notes='"two\nlines"'),  # lines 3-4
        _contact(2, mode="robot"),  # line 5, not 4
        "",  # a blank line: DuckDB skips it, an editor counts it
        _contact(3, mode="robot", notes='"a\r\nb\nc"'),  # lines 7-9
        _contact(4, mode="robot"),  # line 10
    ]
    data = _dataset(tmp_path / "d", **{"contacts.csv": "\n".join(rows) + "\n"})
    assert _quarantined_lines(data, tmp_path / "o") == {"c2": 5, "c3": 7, "c4": 10}
    counts = cxroi.load_dataset(data).report.counts
    [rule] = [c for c in counts if c.rule == "not_allowed"]
    assert rule.examples == ("line 5 (contact_id c2)", "line 7 (contact_id c3)", "line 10 (contact_id c4)")


@pytest.mark.parametrize("seed,blank_lines", [(1, 0.0), (2, 0.0), (3, 0.15), (4, 0.15)])
def test_quarantine_lines_match_a_count_of_line_breaks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seed: int, blank_lines: float
) -> None:
    """Random multi-line values, CR LF files and blank lines against a brute-force line count.

    Without blank lines the engine places records by the breaks inside values; with them, the
    file is read a second time in Python: both ways are checked.
    """
    rng = random.Random(seed)
    eol = rng.choice(["\n", "\r\n"])
    text, expected = HEADER + eol, {}
    for i in range(60):
        if rng.random() < blank_lines:
            text += eol
        notes = rng.choice(["ok", '"x\ny"', '"p\r\nq\nr"', '"lone\rcr"', '"comma, inside"', '"quote ""here"""'])
        bad = rng.random() < 0.4
        start = text.replace("\r\n", "\n").replace("\r", "\n").count("\n") + 1  # this record's line
        text += _contact(i, mode="robot" if bad else "ai_only", notes=notes) + eol
        if bad:
            expected[f"c{i}"] = start
    data = _dataset(tmp_path / "d", **{"contacts.csv": text})
    if not blank_lines:
        monkeypatch.setattr(csv_files, "scan_record_starts", lambda path, records: pytest.fail("read twice"))
    assert _quarantined_lines(data, tmp_path / "o") == expected


def test_lines_fall_back_to_record_numbers_when_the_two_readers_disagree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = [HEADER, _contact(0), "", _contact(1, mode="robot"), _contact(2, mode="robot")]
    data = _dataset(tmp_path / "d", **{"contacts.csv": "\n".join(rows) + "\n"})
    path = data / "contacts.csv"
    assert csv_files.content_lines(path) == 5
    assert list(csv_files.scan_record_starts(path, 3) or []) == [2, 4, 5]
    assert csv_files.scan_record_starts(path, 4) is None
    assert _quarantined_lines(data, tmp_path / "o") == {"c1": 4, "c2": 5}
    monkeypatch.setattr(csv_files, "scan_record_starts", lambda path, records: None)
    ds = cxroi.load_dataset(data)
    written = ds.write_quarantine(tmp_path / "o2")["contacts"]
    with written.open(encoding="utf-8", newline="") as fh:
        assert {r["contact_id"]: r["record"] for r in csv.DictReader(fh)} == {"c1": "2", "c2": "3"}
    [rule] = [c for c in ds.report.counts if c.rule == "not_allowed"]
    assert rule.examples == ("record 2 (contact_id c1)", "record 3 (contact_id c2)")


@pytest.mark.parametrize(
    "text,lines",
    [("", 0), ("a\n", 1), ("a", 1), ("a\nb", 2), ("a\r\nb\r\n\r\n\r\n", 2), ("a\rb\r", 2), ("a\n\nb\n", 3)],
)
def test_content_lines(tmp_path: Path, text: str, lines: int) -> None:
    (tmp_path / "f.csv").write_bytes(text.encode())
    assert csv_files.content_lines(tmp_path / "f.csv") == lines


# --- the customers table is empty, or none of it is usable ------------------------------------


def test_an_empty_customers_table_is_named_as_the_cause(tmp_path: Path) -> None:
    p = _only_problem(_dataset(tmp_path, **{"customers.csv": "customer_id,acquired_at\n"}))
    assert (p.rule, p.where) == ("empty_table", str(tmp_path / "customers.csv"))
    assert "customers has no rows" in p.message and "started_at" not in p.message


def test_an_empty_contacts_table(tmp_path: Path) -> None:
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": HEADER + "\n"}))
    assert p.rule == "empty_table" and "contacts has no rows" in p.message


def test_customers_that_all_fail_validation_are_named_as_the_cause(tmp_path: Path) -> None:
    customers = f"customer_id,acquired_at,monthly_revenue\nk1,{T},-5\nk1,{T},-1\n"
    p = _only_problem(_dataset(tmp_path, **{"customers.csv": customers}))
    assert (p.rule, p.where) == ("no_accepted_rows", "customers")
    assert "none of the 2 customers rows passed validation" in p.message
    assert "every contact's customer is unknown" in p.message
    assert "customers.monthly_revenue is negative" in p.message


def test_contact_ids_that_match_no_customer(tmp_path: Path) -> None:
    p = _only_problem(_dataset(tmp_path, **{"customers.csv": f"customer_id,acquired_at\nK-1,{T}\n"}))
    assert (p.rule, p.where) == ("no_accepted_rows", "contacts")
    assert "contacts.customer_id has no accepted row in customers" in p.message
    assert "compare the ids in both files" in p.message


# --- another delimiter ----------------------------------------------------------------------


@pytest.mark.parametrize("delimiter,word", [(";", "semicolon"), ("\t", "tab"), ("|", "pipe")])
def test_another_delimiter_is_named_once(tmp_path: Path, delimiter: str, word: str) -> None:
    data = _dataset(tmp_path, **{"customers.csv": CUSTOMERS.replace(",", delimiter)})
    p = _only_problem(data)
    assert p.rule == "wrong_delimiter"
    assert f"customers.csv looks {word}-delimited" in p.message
    assert "customer_id, acquired_at" in p.message and "wants commas" in p.message


def test_a_semicolon_inside_a_comma_file_is_not_a_delimiter_fault(tmp_path: Path) -> None:
    data = _dataset(tmp_path, **{"contacts.csv": _contacts().replace(",ok", ',"a;b"')})
    assert cxroi.load_dataset(data).report.accepted["contacts"] == 5


# --- rows and files DuckDB cannot parse -------------------------------------------------------


def test_a_ragged_row_after_a_multiline_value_names_its_real_line(tmp_path: Path) -> None:
    rows = [HEADER, _contact(0, notes='"a\nb\nc"'), _contact(1), _contact(2) + ",surplus", _contact(3)]
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": "\n".join(rows) + "\n"}))
    assert p.rule == "ragged_row" and p.where == str(tmp_path / "contacts.csv")
    assert "contacts.csv line 6 has 8 values where the header has 7 columns" in p.message
    assert "must be quoted" in p.message


def test_a_short_row(tmp_path: Path) -> None:
    rows = [HEADER, _contact(0), _contact(1).rsplit(",", 1)[0]]
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": "\n".join(rows) + "\n"}))
    assert p.rule == "ragged_row" and "line 3 has 6 values where the header has 7" in p.message


def test_a_quote_that_is_never_closed(tmp_path: Path) -> None:
    rows = [HEADER, _contact(0), _contact(1, notes='"open'), _contact(2)]
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": "\n".join(rows) + "\n"}))
    assert p.rule == "unclosed_quote" and "contacts.csv line 3" in p.message


def test_text_after_a_closing_quote(tmp_path: Path) -> None:
    rows = [HEADER, _contact(0), _contact(1, notes='"quoted"tail')]
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": "\n".join(rows) + "\n"}))
    assert p.rule == "stray_quote" and "contacts.csv line 3" in p.message


def test_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    text = "\n".join([HEADER, _contact(0), _contact(1, notes="caf\xe9")]) + "\n"
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": text.encode("latin-1")}))
    assert p.rule == "not_utf8" and "contacts.csv line 3 is not UTF-8" in p.message


def test_line_endings_that_change_midway(tmp_path: Path) -> None:
    text = "\r\n".join([HEADER, _contact(0), _contact(1)]) + "\r\n" + _contact(2) + "\n"
    p = _only_problem(_dataset(tmp_path, **{"contacts.csv": text}))
    assert p.rule == "mixed_line_endings" and "at line 4" in p.message


def test_excel_line_breaks_inside_values_of_a_crlf_file_are_fine(tmp_path: Path) -> None:
    text = "\r\n".join([HEADER, _contact(0, notes='"cell\nbreak"'), _contact(1, mode="robot")]) + "\r\n"
    data = _dataset(tmp_path / "d", **{"contacts.csv": text})
    assert _quarantined_lines(data, tmp_path / "o") == {"c1": 4}


@pytest.mark.parametrize(
    "content,says",
    [
        (b"not a parquet file", "surveys.parquet is not a Parquet file, or it was cut short"),
        (b"PAR1" + b"\0" * 64, "surveys.parquet is not a Parquet file, or it was cut short"),
        (b"", "surveys.parquet is empty (0 bytes)"),
    ],
)
def test_a_damaged_parquet_file(tmp_path: Path, content: bytes, says: str) -> None:
    data = _dataset(tmp_path)
    (data / "surveys.parquet").write_bytes(content)
    p = _only_problem(data)
    assert p.rule == "unreadable" and p.where == str(data / "surveys.parquet")
    assert says in p.message


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_an_empty_csv_file(tmp_path: Path, content: str) -> None:
    p = _only_problem(_dataset(tmp_path, **{"customers.csv": content}))
    assert p.rule == "no_header" and "line 1 must be the header" in p.message


def test_an_unreadable_parquet_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _dataset(tmp_path)
    pq.write_table(pa.table({"agent_id": ["a1"], "hired_at": [T]}), data / "agents.parquet")

    def denied(path: object, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(pq, "read_schema", denied)
    p = _only_problem(data)
    assert p.rule == "unreadable" and p.where == str(data / "agents.parquet")
    assert "agents.parquet cannot be opened: permission denied; make it readable" in p.message


def test_an_unreadable_csv_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _dataset(tmp_path)
    real_open = Path.open

    def denied(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "customers.csv":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", denied)
    p = _only_problem(data)
    assert p.rule == "unreadable" and "permission denied" in p.message.lower()


# --- the command line -------------------------------------------------------------------------


CASES = {
    "duplicate_column": {"customers.csv": f"customer_id,acquired_at,Customer_ID\nk1,{T},k2\n"},
    "ragged_row": {"contacts.csv": _contacts() + _contact(9) + ",surplus\n"},
    "unclosed_quote": {"contacts.csv": _contacts() + _contact(9, notes='"open') + "\n"},
    "not_utf8": {"contacts.csv": (_contacts() + _contact(9, notes="caf\xe9") + "\n").encode("latin-1")},
    "empty_table": {"customers.csv": "customer_id,acquired_at\n"},
    "no_accepted_rows": {"customers.csv": f"customer_id,acquired_at\nK-1,{T}\n"},
    "unreadable": {"surveys.parquet": b"PAR1"},
}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_each_fault_exits_2_with_its_rule_and_no_engine_text(tmp_path: Path, rule: str) -> None:
    data = _dataset(tmp_path / "d", **CASES[rule])
    result = CliRunner().invoke(app, ["validate", str(data)])
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert f"[{rule}]" in result.stderr and "Traceback" not in result.output
    assert not any(word in result.stderr for word in ENGINE_WORDS)


def test_the_command_line_prints_the_fault_and_exits_2(tmp_path: Path) -> None:
    data = _dataset(tmp_path / "d", **{"customers.csv": CUSTOMERS.replace(",", ";")})
    proc = subprocess.run(
        [sys.executable, "-m", "cxroi", "analyze", str(data), "--out", str(tmp_path / "o")],
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stdout + proc.stderr
    assert "looks semicolon-delimited" in proc.stderr and "[wrong_delimiter]" in proc.stderr
    assert not (tmp_path / "o").exists()  # nothing created for a run that could not start
