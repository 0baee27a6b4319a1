"""Simulated customer bases with planted retention truths, for the calibration study and its
reduced version in the tests (``tests/test_retention_calibration.py``).

One world is what the retention analysis sees after its cohort query: per analysed customer the
covariates (segment, plan, region, revenue, tenure at the index), the index contact's intent,
channel and calendar month, the exposure (index contact AI-assisted), the churn time from the
index and the administrative follow-up (index dates in a 730-day window ending at ``as_of``).
Churn follows a cumulative hazard Λ_a(t | X) per arm whose shape depends on the scenario, so
every customer's two survival curves, and from them every estimand, are known exactly:

- survival effect τ_i = S_1(365 | X_i) − S_0(365 | X_i);
- months-active effect ρ_i = (12/365) ∫_0^365 (S_1 − S_0)(t | X_i) dt.

The scenarios: ``effect``/``null``/``misspecified`` are the gentle worlds of the first study
(routing by customer covariates only); ``contact_null`` has no AI effect but the index contact's
reason (cancellation requests and complaints routed to humans, who then see more churn), its
channel and its month drive both routing and churn; ``overlap`` routes so strongly by customer
type that some customers are always or never AI-assisted (trimming happens); ``nonph`` has a
hazard ratio that changes over time (0.55 for the first 120 days, then 1).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import gamma, gammainc

Array = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

WINDOW = 730.0
H = 365.0
MONTHS_PER_DAY = 12.0 / 365.0
SEG_P = (0.65, 0.25, 0.10)
PLAN_P = ((0.55, 0.30, 0.15), (0.35, 0.40, 0.25), (0.15, 0.35, 0.50))
REGION_P = (0.28, 0.24, 0.26, 0.22)
INTENTS = ("billing", "technical", "order_status", "complaint", "cancellation")
INTENT_P = (0.35, 0.28, 0.19, 0.10, 0.08)
INTENT_MISSING_P = 0.05
CHANNELS = ("voice", "chat", "email")
CHANNEL_P = (0.45, 0.35, 0.20)
# Contact-level confounding (scenario contact_null): log-odds of AI routing and log-hazard of churn.
INTENT_ROUTING = (0.0, 0.0, 0.3, -1.0, -2.5)
INTENT_CHURN = (0.0, 0.1, 0.0, 0.5, 1.3)
CHANNEL_ROUTING = (-0.3, 0.4, -0.8)
CHANNEL_CHURN = (0.0, -0.05, 0.15)
HOLIDAY_CHURN = 0.25  # index contact in November or December


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    hazard_ratio: float = 0.80
    weibull: bool = False  # segment-specific Weibull shape and a revenue threshold
    contact_confounding: bool = False
    routing_strength: float = 1.0  # multiplies the customer part of the routing log-odds
    early_days: float = 0.0  # > 0: hazard ratio applies before this day, 1 after


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("effect", "confounded by customer covariates, exponential churn, HR 0.80"),
        Scenario("null", "same confounding, no effect (HR 1)", hazard_ratio=1.0),
        Scenario(
            "misspecified",
            "HR 0.80; churn is Weibull with a segment-specific shape (non-proportional hazards "
            "across segments) and a revenue threshold: the Cox outcome model is wrong",
            weibull=True,
        ),
        Scenario(
            "contact_null",
            "no AI effect (HR 1); the index contact's intent (cancellation requests and "
            "complaints routed to humans, then more churn), channel and month drive routing and "
            "churn",
            hazard_ratio=1.0,
            contact_confounding=True,
        ),
        Scenario(
            "overlap",
            "HR 0.80; routing by customer type three times as strong: some customers are almost "
            "always or never AI-assisted, so trimming happens",
            routing_strength=3.0,
        ),
        Scenario(
            "nonph",
            "hazard ratio 0.55 for the first 120 days after the index, 1 afterwards (non-constant "
            "hazard ratio)",
            hazard_ratio=0.55,
            early_days=120.0,
        ),
    )
}


@dataclass(frozen=True)
class World:
    """Analysed customers of one simulated base, with their exact counterfactual curves."""

    scenario: Scenario
    frame: pd.DataFrame  # customer covariates and index-contact columns, as the design sees them
    monthly_revenue: Array
    exposed: Bools
    base_cumhaz: Array  # Λ_0(365 | X) without AI
    shape: Array  # Weibull shape (1 = exponential)
    followup: Array  # days from the index to as_of
    propensity: Array  # the true P(AI-assisted index | X)

    def cumulative_hazard(self, t: Array, arm: bool) -> Array:
        """Λ_arm(t | X_i), customers × times."""
        sc = self.scenario
        base = self.base_cumhaz[:, None] * (t[None, :] / H) ** self.shape[:, None]
        if not arm:
            return base
        if sc.early_days > 0:
            early = np.minimum(t, sc.early_days)[None, :]
            late = np.maximum(t - sc.early_days, 0.0)[None, :]
            return self.base_cumhaz[:, None] * (sc.hazard_ratio * early + late) / H
        return sc.hazard_ratio * base

    def churn_times(self, rng: np.random.Generator) -> Array:
        """T = Λ⁻¹(E), E ~ Exp(1), under each customer's own exposure."""
        sc = self.scenario
        e = rng.exponential(size=len(self.exposed))
        rate = self.base_cumhaz / H  # per day, for shape 1
        if sc.early_days > 0:
            hr = np.where(self.exposed, sc.hazard_ratio, 1.0)
            cut = hr * rate * sc.early_days
            return np.where(e < cut, e / (hr * rate), sc.early_days + (e - cut) / rate)
        hr = np.where(self.exposed, sc.hazard_ratio, 1.0)
        out: Array = H * (e / (self.base_cumhaz * hr)) ** (1.0 / self.shape)
        return out

    def effects(self) -> tuple[Array, Array]:
        """Per customer: τ (survival at 365 days) and ρ (months active in 365 days), exactly."""
        sc, b, k = self.scenario, self.base_cumhaz, self.shape
        if sc.early_days > 0:  # exponential, hazard ratio only before early_days
            rate, cut = b / H, sc.early_days
            s1 = np.exp(-rate * (sc.hazard_ratio * cut + (H - cut)))
            at_cut = np.exp(-rate * sc.hazard_ratio * cut)
            rm1 = _exponential_mean(rate * sc.hazard_ratio, cut) + at_cut * _exponential_mean(
                rate, H - cut
            )
        else:
            s1 = np.exp(-b * sc.hazard_ratio)
            rm1 = _weibull_mean(b * sc.hazard_ratio, k)
        s0 = np.exp(-b)
        rm0 = _weibull_mean(b, k)
        return s1 - s0, (rm1 - rm0) * MONTHS_PER_DAY


def _exponential_mean(rate: Array, span: float) -> Array:
    """∫_0^span exp(−rate·t) dt."""
    out: Array = np.where(rate > 0, -np.expm1(-rate * span) / np.where(rate > 0, rate, 1.0), span)
    return out


def _weibull_mean(c: Array, k: Array) -> Array:
    """∫_0^H exp(−c (t/H)^k) dt = H · γ(1/k, c) / (k · c^(1/k)), γ the lower incomplete gamma."""
    inv = 1.0 / k
    out: Array = H * gammainc(inv, c) * gamma(inv) / (k * c**inv)
    return out


def _sigmoid(z: Array) -> Array:
    out: Array = 1.0 / (1.0 + np.exp(-z))
    return out


def _logit(p: Array) -> Array:
    out: Array = np.log(p / (1.0 - p))
    return out


def _month_labels(index_days: Array) -> npt.NDArray[np.str_]:
    dates = np.datetime64("2024-01-01") + np.floor(index_days).astype("timedelta64[D]")
    return np.datetime_as_string(dates.astype("datetime64[M]"), unit="M")


def draw_world(rng: np.random.Generator, n: int, sc: Scenario) -> World:
    seg = rng.choice(3, size=n, p=SEG_P)
    plan_cum = np.cumsum(np.asarray(PLAN_P), axis=1)[seg]
    plan = (rng.random(n)[:, None] > plan_cum[:, :-1]).sum(axis=1)
    region = rng.choice(4, size=n, p=REGION_P)
    log_rev = (
        np.log(np.array([25.0, 45.0, 80.0]))[plan]
        + np.log(np.array([1.0, 4.0, 20.0]))[seg]
        + 0.45 * rng.standard_normal(n)
    )
    rev_c = log_rev - 4.2
    # New customers (acquired in the window) are indexed anywhere in it, soon after acquisition;
    # older ones mostly early. So follow-up depends on tenure, as in real data.
    new = rng.random(n) < 0.4
    rate = np.array([1.0, 1.3, 1.6])[seg] / 90.0
    wait = rng.exponential(size=n) / rate
    index = np.where(new, rng.random(n) * WINDOW, wait)
    tenure = np.where(new, wait / 365.25, 6.0 * rng.beta(1.0, 1.6, size=n) + index / 365.25)
    intent = rng.choice(len(INTENTS), size=n, p=INTENT_P)
    intent_missing = rng.random(n) < INTENT_MISSING_P
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
    month = _month_labels(np.minimum(index, WINDOW - 1.0))
    holiday = np.char.endswith(month, "-11") | np.char.endswith(month, "-12")

    ramp = _logit(0.30 + 0.30 * np.minimum(index, WINDOW) / WINDOW) - _logit(np.asarray(0.45))
    lin = sc.routing_strength * (
        np.array([0.0, 0.5, 1.0])[seg]
        + np.array([0.0, 0.35, 0.8])[plan]
        + np.array([0.0, -0.25, 0.2, -0.15])[region]
        + 0.2 * rev_c
        + 0.12 * (tenure - 2.5)
        - 0.35
    )
    log_h = (
        np.array([0.0, -0.35, -0.8])[seg]
        + np.array([0.0, -0.25, -0.55])[plan]
        + np.array([0.0, 0.15, -0.1, 0.1])[region]
        - 0.15 * rev_c
        - 0.10 * tenure
    )
    if sc.contact_confounding:
        lin = lin + np.asarray(INTENT_ROUTING)[intent] + np.asarray(CHANNEL_ROUTING)[channel]
        log_h = (
            log_h
            + np.asarray(INTENT_CHURN)[intent]
            + np.asarray(CHANNEL_CHURN)[channel]
            + HOLIDAY_CHURN * holiday
        )
    propensity = _sigmoid(lin + ramp)
    exposed = rng.random(n) < propensity
    if sc.weibull:
        log_h = log_h + 0.5 * (rev_c > 0.8)
    cum365 = -np.log(1 - 0.28) * np.exp(log_h)
    shape = np.array([0.7, 1.0, 1.6])[seg] if sc.weibull else np.ones(n)
    frame = pd.DataFrame(
        {
            "segment": np.array(["consumer", "smb", "enterprise"])[seg],
            "plan": np.array(["basic", "plus", "premium"])[plan],
            "region": np.array(["north", "south", "east", "west"])[region],
            "log1p(monthly_revenue)": np.log1p(np.exp(log_rev)),
            "tenure_years": tenure,
            "index_intent": np.where(
                intent_missing, None, np.asarray(INTENTS, dtype=object)[intent]
            ),
            "index_channel": np.asarray(CHANNELS, dtype=object)[channel],
            "index_month": month.astype(object),
        }
    )
    keep = index < WINDOW
    return World(
        sc,
        frame[keep].reset_index(drop=True),
        np.exp(log_rev)[keep],
        exposed[keep],
        cum365[keep],
        shape[keep],
        (WINDOW - index)[keep],
        propensity[keep],
    )


@dataclass(frozen=True)
class PopulationTruth:
    """Per-analysed-customer averages over a large simulated base."""

    ate: float  # E[τ]
    att: float  # E[τ | A = 1]
    exposed_share: float
    revenue_gain_per_customer: float  # E[A · revenue · ρ]: × n = the revenue-weighted total
    months_att: float  # E[ρ | A = 1]


def population_truth(sc: Scenario, seed: int, n: int = 400_000) -> PopulationTruth:
    w = draw_world(np.random.default_rng(seed), n, sc)
    tau, rho = w.effects()
    a = w.exposed
    return PopulationTruth(
        ate=float(tau.mean()),
        att=float(tau[a].mean()),
        exposed_share=float(a.mean()),
        revenue_gain_per_customer=float((a * w.monthly_revenue * rho).mean()),
        months_att=float(rho[a].mean()),
    )
