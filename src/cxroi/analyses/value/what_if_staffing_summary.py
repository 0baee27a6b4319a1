"""Staffing of the what-if: build each channel's load, run the Erlang draws, reconcile.

"The model staffs 9 agents while 22 are employed" is not a contradiction to hide: the model says
what a service-level target needs on the queues in FTE, the ``agents`` table counts people. The
result reports both, their ratio, and the extra FTE as a share of today's staffed headcount;
``explanation`` states in words which way the gap goes and what usually drives it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal

import numpy as np
import numpy.typing as npt

from cxroi.analyses.value.settings import WhatIfSettings
from cxroi.analyses.value.uncertainty import UnitName, from_draws
from cxroi.results.model.money import Evidence, Figure
from cxroi.analyses.value.what_if_cost import RateDraws, Volumes, consequences
from cxroi.analyses.value.what_if_data import WhatIfData
from cxroi.analyses.value.what_if_priors import Priors
from cxroi.analyses.value.what_if_staffing import (
    ChannelDraws,
    ChannelLoad,
    StaffingDraws,
    hour_of_week_profile,
    staffing_draws,
)
from cxroi.stats.result import CannotCompute
from cxroi.results.model.scenario import Staffing, StaffingModel

FloatArray = npt.NDArray[np.float64]
HUMAN_MODES = ("human_only", "hybrid")
# Staffed / modelled within this band counts as "the model matches today's staffing".
MATCH_BAND = 0.15


def channel_loads(data: WhatIfData, st: WhatIfSettings) -> tuple[ChannelLoad, ...]:
    month = data.monthly[data.monthly["month"] == data.design_month]
    inbound = month["inbound"].astype(bool)
    loads: list[ChannelLoad] = []
    for channel in sorted(month["channel"].astype(str).unique()):
        on = month["channel"] == channel
        human = on & inbound & month["ai_mode"].isin(HUMAN_MODES)
        outbound = on & ~inbound & month["ai_mode"].isin(HUMAN_MODES)
        ai = on & inbound & (month["ai_mode"] == "ai_only")
        loads.append(
            ChannelLoad(
                channel=channel,
                live=channel in st.live_channels,
                contacts_today=float(month.loc[human, "n"].sum()),
                handle_hours_today=float(month.loc[human, "handle"].sum()) / 3600.0,
                ai_contacts=float(month.loc[ai, "n"].sum()),
                outbound_hours=float(month.loc[outbound, "handle"].sum()) / 3600.0,
                profile_today=hour_of_week_profile(data.hours, channel, HUMAN_MODES),
                profile_ai=hour_of_week_profile(data.hours, channel, ("ai_only",)),
            )
        )
    return tuple(loads)


def _rows(rates: RateDraws, rows: int) -> RateDraws:
    return RateDraws(rates.cost[:rows], rates.handle[:rows], rates.excess_repeat[:rows])


def _channel_draws(
    vol: Volumes, rates: RateDraws, priors: Priors, design: int, rows: int
) -> dict[str, ChannelDraws]:
    r = _rows(rates, rows)
    s, f = priors.hybrid_share[:rows], priors.failure_share[:rows]
    out: dict[str, ChannelDraws] = {}
    for channel in sorted(set(vol.keys["channel"].astype(str))):
        cons = consequences(vol, r, s, f, cells=vol.channel_mask(channel))
        out[channel] = ChannelDraws(cons.moved_contacts[:, design], cons.extra_hours[:, design])
    return out


def _figure(values: FloatArray, what: str, unit: UnitName, n_draws: int) -> Figure:
    return from_draws(
        values[0],
        values[1:],
        method=f"{what}; Monte Carlo over cell means and assumption priors ({n_draws} draws)",
        unit=unit,
        horizon_months=None,
        evidence=Evidence.ASSUMPTION,
    )


def _model(
    model: Literal["erlang_c", "erlang_a"], fte: StaffingDraws, staffed: float | None, n: int
) -> StaffingModel:
    today = fte.fte[(model, "today")]
    stop = fte.fte[(model, "without_ai")]
    extra = stop - today
    name = "Erlang C" if model == "erlang_c" else "Erlang A"
    what = f"FTE in the design month by {name} (live queues) and workload (async)"
    no_staff = CannotCompute("no staffed headcount from the agents table to compare with")
    ratio: Figure | CannotCompute = no_staff
    share: Figure | CannotCompute = no_staff
    headcount: Figure | CannotCompute = no_staff
    if staffed is not None and staffed > 0 and today[0] <= 0:
        ratio = CannotCompute("the model needs nobody today: no staffed-per-modelled ratio")
        share = _figure(extra / staffed, "extra FTE / average staffed headcount", "share", n)
    elif staffed is not None and staffed > 0:
        with np.errstate(divide="ignore", invalid="ignore"):
            per = np.where(today > 0, staffed / np.where(today > 0, today, 1.0), np.nan)
        ratio = _figure(per, "average staffed headcount / modelled FTE today", "ratio", n)
        share = _figure(extra / staffed, "extra FTE / average staffed headcount", "share", n)
        headcount = _figure(extra * per, "extra FTE x staffed / modelled", "fte", n)
    return StaffingModel(
        model=model,
        fte_today=_figure(today, f"{what}, today", "fte", n),
        fte_without_ai=_figure(stop, f"{what}, without AI", "fte", n),
        extra_fte=_figure(extra, f"{what}: without AI minus today", "fte", n),
        staffed_per_modelled_fte=ratio,
        extra_share_of_staffed=share,
        extra_headcount_at_staffed_ratio=headcount,
    )


def _explain(st: WhatIfSettings, staffing: Staffing, shrinkage: float) -> str:
    a = staffing.erlang_a
    today = a.fte_today.estimate if isinstance(a.fte_today, Figure) else float("nan")
    live = ", ".join(q.channel for q in staffing.queues) or "none"
    other = ", ".join(w.channel for w in staffing.workloads) or "none"
    text = (
        f"Modelled today (Erlang A): {today:.1f} FTE in {staffing.design_month}, the busiest "
        f"month: live queues ({live}) staffed hour by hour to answer "
        f"{st.target_service_level:.0%} within {st.target_answer_seconds:g} s, other work "
        f"({other}) by workload at {st.async_occupancy:.0%} occupancy, "
        f"{st.paid_hours_per_agent_month:g} paid hours per agent a month, "
        f"{shrinkage:.0%} shrinkage."
    )
    if isinstance(staffing.staffed_headcount, CannotCompute):
        return f"{text} {staffing.staffed_headcount.reason}."
    avg = staffing.staffed_average_headcount or 0.0
    ratio = avg / today if today > 0 else float("nan")
    text += (
        f" The agents table shows {staffing.staffed_headcount} agents employed that month "
        f"(average headcount {avg:.1f}): {ratio:.2f} staffed per modelled FTE."
    )
    if ratio > 1 + MATCH_BAND:
        text += (
            " The centre employs more people than the service-level target needs on the "
            "queues: part-time contracts, agents on work outside the contacts (back office, "
            "quality, supervision), shrinkage above the assumed level, or service above the "
            "target all widen the gap. The extra agents are shown both as the FTE the model "
            "needs and at today's staffed-per-modelled ratio."
        )
    elif ratio < 1 - MATCH_BAND:
        text += (
            " The centre employs fewer people than the model needs: it may miss the target, "
            "work overtime, or have shorter contacts at peak than on average."
        )
    else:
        text += " The model matches today's staffing within 15%."
    return text


def summarise_staffing(
    data: WhatIfData,
    vol: Volumes,
    rates: RateDraws,
    priors: Priors,
    st: WhatIfSettings,
) -> Staffing | CannotCompute:
    loads = channel_loads(data, st)
    if not any(load.contacts_today + load.ai_contacts > 0 for load in loads):
        return CannotCompute(f"no inbound contacts in {data.design_month}")
    rows = 1 + min(st.staffing_draws, priors.shrinkage.size - 1)
    design = vol.months.index(data.design_month)
    weeks = data.days_in_design_month / 7.0
    draws = _channel_draws(vol, rates, priors, design, rows)
    fte = staffing_draws(
        loads, draws, priors.shrinkage[:rows], priors.patience[:rows], weeks, st
    )
    staffed = None if isinstance(data.staffed, CannotCompute) else data.staffed.average_headcount
    staffing = Staffing(
        design_month=data.design_month,
        weeks_in_month=weeks,
        erlang_c=_model("erlang_c", fte, staffed, rows - 1),
        erlang_a=_model("erlang_a", fte, staffed, rows - 1),
        staffed_headcount=(
            data.staffed if isinstance(data.staffed, CannotCompute) else data.staffed.headcount
        ),
        staffed_average_headcount=staffed,
        patience=priors.patience_info,
        queues=fte.queues,
        workloads=fte.workloads,
        explanation="",
    )
    return replace(staffing, explanation=_explain(st, staffing, float(priors.shrinkage[0])))


__all__ = ["channel_loads", "summarise_staffing"]
