"""Exact metrics in hand-written DuckDB SQL (independent of cxroi), for tests and benchmarks.

Repeats: `min(t) OVER (... RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP)` is
the next strictly later start in the partition: EXCLUDE GROUP drops the row's peers, so ties on
started_at are never repeats. A missing intent matches any intent, so a contact with an intent
looks at the next same-intent contact and the next no-intent contact; one without looks at any.
These next-start times do not depend on W, so one pass serves both windows.
Only inbound contacts (direction absent, empty or 'inbound') repeat or are repeated: partitioning
by the inbound flag keeps outbound contacts out of every inbound contact's "next" search.
Timestamps are cast to microseconds: two starts less than 1 us apart would become a tie here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

MODES: tuple[str, ...] = ("ai_only", "hybrid", "human_only")
GROUPS: tuple[str, ...] = (*MODES, "all")
WINDOWS: tuple[int, ...] = (7, 14)

PerMode = dict[str, float | None]

_NEXT = "RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING EXCLUDE GROUP"

_CONTACTS_AGG_SQL = f"""
WITH nx AS (
    -- Outbound contacts sit in their own partitions (inb = false): never a repeat of an inbound
    -- contact, and their own "repeats" are discarded below.
    SELECT ai_mode, cost, handle_seconds, t, intent, escalated, touchpoint, inb,
        min(t) OVER (PARTITION BY customer_id, inb ORDER BY t {_NEXT}) AS next_any,
        min(t) OVER (PARTITION BY customer_id, inb, intent ORDER BY t {_NEXT}) AS next_same,
        min(t) FILTER (WHERE intent IS NULL)
            OVER (PARTITION BY customer_id, inb ORDER BY t {_NEXT}) AS next_null
    FROM c
),
flags AS (
    SELECT ai_mode, cost, handle_seconds, t, inb, touchpoint,
        -- least() skips NULLs: either kind of compatible later contact will do.
        CASE WHEN NOT inb THEN NULL
             WHEN intent IS NULL THEN next_any ELSE least(next_same, next_null) END AS next_rep,
        coalesce(escalated,
                 ai_mode = 'hybrid' AND coalesce(touchpoint IN ('chatbot', 'voicebot', 'ivr'), false)
        ) AS esc
    FROM nx
),
as_of AS (SELECT max(t) AS as_of FROM flags),
f AS (
    SELECT flags.*,
        inb AND t <= as_of - to_seconds(7 * 86400) AS e7,
        inb AND t <= as_of - to_seconds(14 * 86400) AS e14,
        coalesce(next_rep <= t + to_seconds(7 * 86400), false) AS r7,
        coalesce(next_rep <= t + to_seconds(14 * 86400), false) AS r14
    FROM flags, as_of
)
SELECT
    CASE WHEN grouping(ai_mode) = 1 THEN 'all' ELSE ai_mode END AS grp,
    count(*) AS n,
    sum(cost) AS cost_sum,
    sum(handle_seconds) AS handle_sum,
    count(*) FILTER (WHERE e7) AS e7,
    count(*) FILTER (WHERE e7 AND NOT r7) AS res7,
    sum(cost) FILTER (WHERE e7) AS cost7,
    count(*) FILTER (WHERE e14) AS e14,
    count(*) FILTER (WHERE e14 AND NOT r14) AS res14,
    sum(cost) FILTER (WHERE e14) AS cost14,
    count(*) FILTER (WHERE ai_mode = 'ai_only' AND inb) AS n_ai,
    count(*) FILTER (WHERE esc AND inb) AS n_esc,
    count(*) FILTER (WHERE inb) AS n_in,
    count(*) FILTER (WHERE NOT inb) AS n_out,
    sum(cost) FILTER (WHERE NOT inb) AS cost_out,
    sum(handle_seconds) FILTER (WHERE NOT inb) AS handle_out,
    count(*) FILTER (WHERE touchpoint = 'proactive') AS n_proactive,
    count(*) FILTER (WHERE ai_mode = 'ai_only' AND e7) AS fc_elig,
    count(*) FILTER (WHERE ai_mode = 'ai_only' AND e7 AND r7) AS fc_rep
FROM f
GROUP BY GROUPING SETS ((ai_mode), ())
"""

_SURVEY_SQL = """
CREATE TEMP TABLE sj AS
SELECT s.kind, s.score::DOUBLE AS score, c.ai_mode, c.channel
FROM s JOIN c ON s.contact_id = c.contact_id
-- Relationship surveys (no contact) have no mode; the inner join drops unknown contacts too.
WHERE s.contact_id IS NOT NULL AND s.contact_id <> ''
"""

_SURVEY_AGG_SQL = """
SELECT
    CASE WHEN grouping(ai_mode) = 1 THEN 'all' ELSE ai_mode END AS grp,
    count(*) FILTER (WHERE kind = 'csat') AS n_csat,
    count(*) FILTER (WHERE kind = 'csat' AND score BETWEEN 4 AND 5) AS csat_top,
    count(*) FILTER (WHERE kind = 'nps') AS n_nps,
    count(*) FILTER (WHERE kind = 'nps' AND score >= 9) AS promoters,
    count(*) FILTER (WHERE kind = 'nps' AND score <= 6) AS detractors,
    count(*) FILTER (WHERE kind = 'ces') AS n_ces,
    sum(score) FILTER (WHERE kind = 'ces') AS ces_sum
FROM sj
GROUP BY GROUPING SETS ((ai_mode), ())
"""


def _div(num: float | None, den: float | None) -> float | None:
    # SUM over no rows is NULL in SQL; the count (den) is 0 then, so the result is None anyway.
    return None if not den else float(num or 0.0) / float(den)


def _lit(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _columns(con: duckdb.DuckDBPyConnection, path: Path) -> set[str]:
    rows = con.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
    return {r[0] for r in rows}


def _opt(cols: set[str], name: str, sql_type: str) -> str:
    # Optional contract columns may be absent from the file: treat them as all-null.
    return f'"{name}"' if name in cols else f"NULL::{sql_type}"


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, dict[str, Any]]:
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return {row[0]: dict(zip(names, row)) for row in cur.fetchall()}


def _per_mode(rows: dict[str, dict[str, Any]], num: str, den: str) -> PerMode:
    return {g: (_div(rows[g][num], rows[g][den]) if g in rows else None) for g in GROUPS}


def _counts(rows: dict[str, dict[str, Any]], col: str) -> dict[str, int]:
    return {g: int(rows[g][col]) if g in rows else 0 for g in GROUPS}


def sql_metrics(dataset_dir: Path, memory_limit: str | None = None) -> dict[str, Any]:
    dataset_dir = Path(dataset_dir)
    con = duckdb.connect()
    try:
        if memory_limit:
            con.execute(f"SET memory_limit = '{memory_limit}'")
        # Exact elapsed-time arithmetic and a well-defined reading of zone-less timestamps.
        con.execute("SET TimeZone = 'UTC'")
        cpath = dataset_dir / "contacts.parquet"
        cols = _columns(con, cpath)
        # DuckDB reads pandas' ns zoned timestamps as TIMESTAMPTZ_NS; the window RANGE frames and
        # interval arithmetic are used with plain TIMESTAMPTZ (microseconds). A view, not a
        # table: the contacts are scanned where needed instead of held in memory twice.
        con.execute(
            f"""CREATE TEMP VIEW c AS SELECT contact_id, customer_id,
                CAST(started_at AS TIMESTAMPTZ) AS t, channel, ai_mode,
                {_opt(cols, "touchpoint", "VARCHAR")} AS touchpoint,
                {_opt(cols, "escalated", "BOOLEAN")} AS escalated,
                {_opt(cols, "intent", "VARCHAR")} AS intent,
                coalesce({_opt(cols, "direction", "VARCHAR")}, '') IN ('', 'inbound') AS inb,
                handle_seconds::DOUBLE AS handle_seconds, cost::DOUBLE AS cost
            FROM read_parquet({_lit(cpath)})"""
        )
        r = _rows(con, _CONTACTS_AGG_SQL)
        out: dict[str, Any] = {}
        for w in WINDOWS:
            out[f"fcr_{w}d"] = _per_mode(r, f"res{w}", f"e{w}")
            out[f"cost_per_resolution_{w}d"] = _per_mode(r, f"cost{w}", f"res{w}")
        total = r["all"]
        out["containment_rate"] = _div(total["n_ai"], total["n_ai"] + total["n_esc"])
        out["false_containment_7d"] = _div(total["fc_rep"], total["fc_elig"])
        out["cost_per_contact"] = _per_mode(r, "cost_sum", "n")
        out["aht_seconds"] = _per_mode(r, "handle_sum", "n")
        out["contacts_by_direction"] = {
            "inbound": _counts(r, "n_in"),
            "outbound": _counts(r, "n_out"),
        }
        out["outbound_cost_per_contact"] = _per_mode(r, "cost_out", "n_out")
        out["outbound_aht_seconds"] = _per_mode(r, "handle_out", "n_out")
        out["proactive_contacts"] = _counts(r, "n_proactive")
        out.update(_survey_metrics(con, dataset_dir / "surveys.parquet"))
        return out
    finally:
        con.close()


def _survey_metrics(con: duckdb.DuckDBPyConnection, spath: Path) -> dict[str, Any]:
    if spath.exists():
        con.execute(
            f"CREATE TEMP VIEW s AS SELECT contact_id::VARCHAR AS contact_id, kind, score "
            f"FROM read_parquet({_lit(spath)})"
        )
    else:
        con.execute("CREATE TEMP TABLE s (contact_id VARCHAR, kind VARCHAR, score DOUBLE)")
    con.execute(_SURVEY_SQL)
    r = _rows(con, _SURVEY_AGG_SQL)
    nps: PerMode = {}
    for g in GROUPS:
        row = r.get(g)
        # 100 * (promoters - detractors) / n: equal shares give exactly 0.
        nps[g] = _div(100.0 * (row["promoters"] - row["detractors"]), row["n_nps"]) if row else None
    by_channel = con.execute(
        "SELECT channel, avg(score) FROM sj WHERE kind = 'ces' GROUP BY channel ORDER BY channel"
    ).fetchall()
    return {
        "csat": _per_mode(r, "csat_top", "n_csat"),
        "nps": nps,
        "ces": _per_mode(r, "ces_sum", "n_ces"),
        "ces_by_channel": {str(ch): float(v) for ch, v in by_channel},
    }
