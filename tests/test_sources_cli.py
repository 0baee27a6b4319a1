"""The import command's plumbing: sources, options, output folder rules, the written report,
byte-identical output, and the shared value parsers."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cxroi.errors import ConfigError, ContractError, Problem
from cxroi.sources.base import unmapped
from cxroi.sources.registry import SOURCES, import_command, parse_import_settings
from cxroi.sources.connect import ConnectOptions
from cxroi.sources.records import parse_instant

FIXTURES = Path(__file__).parent / "fixtures"
GENESYS = FIXTURES / "genesys" / "details_query.json"


def test_sources() -> None:
    assert SOURCES == ("connect", "genesys", "intercom", "zendesk", "bank")
    with pytest.raises(ConfigError, match="known: connect"):
        import_command("five9", GENESYS, Path("unused"))


def test_output_folder_rules(tmp_path: Path) -> None:
    out = tmp_path / "ds"
    first = import_command("genesys", GENESYS, out)
    (out / "revenue.csv").write_text("customer_id\n")  # a stale table from elsewhere
    with pytest.raises(ContractError) as err:
        import_command("genesys", GENESYS, out)
    assert err.value.problems[0].rule == "output_exists"
    again = import_command("genesys", GENESYS, out, overwrite=True)
    assert not (out / "revenue.csv").exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "contacts.parquet",
        "customers.parquet",
        "import_report.json",
        "surveys.parquet",
    ]
    assert json.loads((out / "import_report.json").read_text()) == again.to_dict()
    assert first.to_dict() == again.to_dict()
    with pytest.raises(ConfigError, match="parquet or csv"):
        import_command("genesys", GENESYS, tmp_path / "x", fmt="xlsx")


def test_output_is_byte_identical(tmp_path: Path) -> None:
    for name in ("a", "b"):
        import_command("genesys", GENESYS, tmp_path / name)
        import_command("genesys", GENESYS, tmp_path / f"{name}-csv", fmt="csv")
    for suffix, folder in (("parquet", ""), ("csv", "-csv")):
        for table in ("contacts", "customers", "surveys"):
            a = (tmp_path / f"a{folder}" / f"{table}.{suffix}").read_bytes()
            assert a == (tmp_path / f"b{folder}" / f"{table}.{suffix}").read_bytes()
    assert "2025-04-07T10:00:00Z" in (tmp_path / "a-csv" / "contacts.csv").read_text()


def test_toml_settings_and_set_options() -> None:
    problems: list[Problem] = []
    parsed = parse_import_settings(
        {
            "connect": {
                "customer_attribute": "crm_id",
                "voice_ivr_is_ai": False,
                "lex_outcomes": "lex.csv",
            },
            "avaya": {},
            "bank": "x",
        },
        problems,
    )
    assert parsed["connect"] == ConnectOptions(
        customer_attribute="crm_id", voice_ivr_is_ai=False, lex_outcomes=Path("lex.csv")
    )
    assert [p.rule for p in problems] == ["unknown_section", "not_a_table"]
    with pytest.raises(ConfigError) as err:
        import_command(
            "zendesk",
            FIXTURES / "zendesk",
            Path("unused"),
            ["handle_time_field=abc", "bot_tags", "bot_channels=web,chat"],
        )
    assert sorted(p.rule for p in err.value.problems) == ["bad_option", "wrong_type"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-01T14:05:00Z", datetime(2025, 3, 1, 14, 5, tzinfo=UTC)),
        ("2025-03-01 09:05:00-05:00", datetime(2025, 3, 1, 14, 5, tzinfo=UTC)),
        ("2025-03-01T14:05:00.123456789+0000", datetime(2025, 3, 1, 14, 5, 0, 123456, tzinfo=UTC)),
        ("2021-04-2T15:30:51.418Z", datetime(2021, 4, 2, 15, 30, 51, 418000, tzinfo=UTC)),
        ("2025-03-01", datetime(2025, 3, 1, tzinfo=UTC)),
        (1663597223, datetime(2022, 9, 19, 14, 20, 23, tzinfo=UTC)),
    ],
)
def test_parse_instant(text: str | int, expected: datetime) -> None:
    assert parse_instant(text) == expected


@pytest.mark.parametrize("bad", ["yesterday", "2025-13-01T00:00:00Z", True, None, [1]])
def test_parse_instant_rejects(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        parse_instant(bad)


def test_unmapped_fields() -> None:
    seen = {"a.b", "a.c[].d", "e", "f[].g", "Attributes.*"}
    assert unmapped(seen, ["a.b", "f", "Attributes"]) == ("a.c[].d", "e")
