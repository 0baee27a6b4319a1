"""Which confounders the adjusted retention estimates adjust for, as one design matrix.

docs/metrics.md "Retention" names two kinds. The customer's own: segment, plan, region, monthly
revenue (on the log scale), tenure at the index date and any configured columns. And the index
contact's own: its intent, channel and calendar month. The second kind matters because why a
customer got in touch decides both how the contact is routed and whether the customer leaves: a
cancellation request sent to a human is followed by more churn whoever answers it, and without
its intent in the model that churn is booked against the human-only group. Each index
confounder is used by default when its column is present (``[retention] index_confounders``).

The calendar month enters as a linear trend (months since the first index month) plus the
month of the year. That captures an adoption ramp and seasonality, and lets the most recent
months borrow strength: their customers have only weeks of follow-up, so one indicator per
calendar month would be fitted from a handful of early churns (often none, which drives its
coefficient to minus infinity) and extrapolated to the whole horizon. A quadratic trend was
tried and dropped: bent at the recent edge, where follow-up is shortest, it made the estimates
vary more than their standard errors say (SD/SE 1.14 instead of 1.04 for the ATT in the
calibration worlds).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cxroi.analyses.retention.cohort import BASE_COVARIATES, INDEX_COLUMNS, Cohort
from cxroi.analyses.retention.design import Design, build_design
from cxroi.analyses.retention.settings import RetentionSettings
from cxroi.io.dataset import Dataset

# Where each index confounder comes from, to say so when it is absent.
_INDEX_SOURCE: dict[str, str] = {
    "intent": "contacts.intent",
    "channel": "contacts.channel",
    "month": "contacts.started_at",
}
CALENDAR_TREND = "index_months_since_start"
MONTH_OF_YEAR = "index_month_of_year"


def calendar_columns(month: pd.Series) -> pd.DataFrame:
    """From "YYYY-MM" labels: months since the earliest one (a number) and the month of the
    year (a label)."""
    # Parsed once per distinct label (a few dozen), then spread to the customers.
    codes, labels = pd.factorize(month.astype(str), sort=False)
    text = pd.Series(labels, dtype=object)
    year = pd.to_numeric(text.str.slice(0, 4), errors="coerce")
    number = pd.to_numeric(text.str.slice(5, 7), errors="coerce")
    count = pd.Series((year * 12 + number).to_numpy()[codes])
    return pd.DataFrame(
        {
            CALENDAR_TREND: (count - count.min()).astype(np.float64).to_numpy(),
            MONTH_OF_YEAR: text.str.slice(5, 7).to_numpy()[codes],
        },
        index=month.index,
    )


def index_confounder_columns(
    frame: pd.DataFrame, confounders: tuple[str, ...]
) -> tuple[pd.DataFrame, list[str], dict[str, bool]]:
    """The index contact's confounders as design columns: (values, categorical, numeric)."""
    work = pd.DataFrame(index=frame.index)
    categorical: list[str] = []
    numeric: dict[str, bool] = {}
    for name in confounders:
        column = INDEX_COLUMNS[name]
        if name == "month":
            calendar = calendar_columns(frame[column])
            work[CALENDAR_TREND] = calendar[CALENDAR_TREND]
            work[MONTH_OF_YEAR] = calendar[MONTH_OF_YEAR]
            numeric[CALENDAR_TREND] = False  # linear: see the module docstring
            categorical.append(MONTH_OF_YEAR)
        else:
            work[column] = frame[column]
            categorical.append(column)
    return work, categorical, numeric


def confounder_design(
    cohort: Cohort, ds: Dataset, settings: RetentionSettings, min_level: int
) -> Design:
    """Customer covariates, then the index contact's confounders, one-hot / numeric."""
    frame = cohort.frame
    work = pd.DataFrame(index=frame.index)
    categorical: list[str] = []
    numeric: dict[str, bool] = {}
    notes: list[str] = []
    for col in BASE_COVARIATES:
        if not ds.has("customers", col):
            notes.append(f"customers.{col} is absent: not adjusted for")
            continue
        if col == "monthly_revenue":
            revenue = pd.to_numeric(frame[col], errors="coerce").to_numpy(
                dtype=np.float64, na_value=np.nan
            )
            work["log1p(monthly_revenue)"] = np.log1p(np.maximum(revenue, 0.0))
            numeric["log1p(monthly_revenue)"] = True
        else:
            work[col] = frame[col]
            categorical.append(col)
    work["tenure_years"] = frame["tenure_days"].to_numpy(dtype=np.float64) / 365.25
    numeric["tenure_years"] = True
    for col in cohort.extra_covariates:
        values = frame[col]
        if pd.api.types.is_datetime64_any_dtype(values):
            notes.append(f"covariate {col!r} is a timestamp: not used (give a number or a label)")
        elif pd.api.types.is_bool_dtype(values) or not _numeric_like(values):
            work[col] = values.astype("string")
            categorical.append(col)
        else:
            work[col] = pd.to_numeric(values, errors="coerce")
            numeric[col] = True
    present: list[str] = []
    for name in settings.index_confounders:
        table, field = _INDEX_SOURCE[name].split(".")
        if not ds.has(table, field) or frame[INDEX_COLUMNS[name]].isna().all():
            notes.append(
                f"{_INDEX_SOURCE[name]} is absent: the index contact's {name} is not adjusted for"
            )
        else:
            present.append(name)
    index_work, index_categorical, index_numeric = index_confounder_columns(
        frame, tuple(present)
    )
    work = pd.concat([work, index_work], axis=1)
    built = build_design(
        work, categorical + index_categorical, numeric | index_numeric, min_level=min_level
    )
    return Design(built.matrix, built.columns, (*notes, *built.notes))


def _numeric_like(values: pd.Series) -> bool:
    present = values.dropna()
    if len(present) == 0:
        return False
    return bool(pd.to_numeric(present, errors="coerce").notna().all())
