"""Planted parameters of the demo contact centre.

Everything a downstream estimator is meant to recover, and every knob that shapes how hard that
is, lives here so the truths in ``truths.json`` and the generating code cannot drift apart.
Times inside the generator are float days (or integer seconds) since ``WINDOW_START``.
"""

from __future__ import annotations

from typing import Final

import numpy as np

# --- time ------------------------------------------------------------------------------------
WINDOW_START: Final = np.datetime64("2024-01-01T00:00:00", "s")
WINDOW_START_EPOCH_S: Final[int] = int(WINDOW_START.astype(np.int64))
WINDOW_DAYS: Final[int] = 731  # 2024 is a leap year
DAY_S: Final[int] = 86_400
# 2025-12-31T23:59:00Z, inclusive: the last instant a contact may start.
END_S: Final[int] = WINDOW_DAYS * DAY_S - 60
END_DAYS: Final[float] = END_S / DAY_S

# --- customers -------------------------------------------------------------------------------
CONTACTS_PER_CUSTOMER: Final[float] = 8.0
SEGMENTS: Final = ("consumer", "smb", "enterprise")
SEGMENT_P: Final = (0.70, 0.22, 0.08)
PLANS: Final = ("basic", "plus", "premium")
PLAN_P_BY_SEGMENT: Final = ((0.55, 0.30, 0.15), (0.35, 0.40, 0.25), (0.15, 0.35, 0.50))
REGIONS: Final = ("north", "south", "east", "west")
REGION_P: Final = (0.28, 0.24, 0.26, 0.22)
REVENUE_MEDIAN_BY_PLAN: Final = (25.0, 45.0, 80.0)
REVENUE_MULT_BY_SEGMENT: Final = (1.0, 4.0, 20.0)
REVENUE_SIGMA: Final[float] = 0.45
SHARE_ACQUIRED_BEFORE_WINDOW: Final[float] = 0.60
MAX_TENURE_YEARS: Final[float] = 6.0

# --- retention (planted truth 1) ---------------------------------------------------------------
HAZARD_RATIO: Final[float] = 0.80
# Daily churn hazard of the reference customer (consumer, basic, north, average log revenue,
# tenure 0): about 28% a year, so the analysed population's 12-month churn lands near 20%.
BASE_DAILY_HAZARD: Final[float] = -np.log(1 - 0.28) / 365.0
# Log-hazard and log-odds-of-AI coefficients share signs the wrong way on purpose: the groups that
# pick AI at their index contact churn less anyway, so naive comparisons flatter AI.
CHURN_SEGMENT: Final = (0.0, -0.35, -0.80)
CHURN_PLAN: Final = (0.0, -0.25, -0.55)
CHURN_REGION: Final = (0.0, 0.15, -0.10, 0.10)
CHURN_LOG_REVENUE: Final[float] = -0.15
CHURN_TENURE_PER_YEAR: Final[float] = -0.10
PROP_SEGMENT: Final = (0.0, 0.50, 1.00)
PROP_PLAN: Final = (0.0, 0.35, 0.80)
PROP_REGION: Final = (0.0, -0.25, 0.20, -0.15)
PROP_LOG_REVENUE: Final[float] = 0.20
PROP_TENURE_PER_YEAR: Final[float] = 0.12
# Non-index contacts follow the same preferences, damped: habits, not the planted exposure.
NON_INDEX_PROPENSITY_WEIGHT: Final[float] = 0.5
# Contact-level confounding, mild: the index contact's intent (by INTENTS) shifts the log-odds of
# AI routing (cancellations and complaints go to humans more often; the shift is centred so the
# adoption ramp keeps its meaning) and the churn log-hazard from the index (those customers
# leave more, whoever answers). Adjusting for customer covariates alone credits AI with it.
INDEX_INTENT_ROUTING: Final = (0.0, 0.0, 0.0, 0.0, -2.0, 0.0, -0.7)
INDEX_INTENT_CHURN: Final = (0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.4)
RETENTION_COVARIATES: Final = (
    "segment",
    "plan",
    "region",
    "log(monthly_revenue)",
    "tenure_at_index (index started_at - acquired_at)",
    "index contact intent",
)

# --- contact mix -------------------------------------------------------------------------------
AI_SHARE_START: Final[float] = 0.30
AI_SHARE_END: Final[float] = 0.60
AI_ONLY_SHARE_OF_AI: Final[float] = 0.55
# A customer the bot failed tends to try a human next time.
FOLLOWUP_AFTER_BOT_AI_LOGIT: Final[float] = -0.7
CONTACT_RATE_GAMMA_SHAPE: Final[float] = 1.5
CONTACT_RATE_BY_SEGMENT: Final = (1.0, 1.3, 1.6)
INTENTS: Final = (
    "billing",
    "password_reset",
    "order_status",
    "technical",
    "cancellation",
    "plan_change",
    "complaint",
)
INTENT_P: Final = (0.24, 0.14, 0.18, 0.18, 0.06, 0.10, 0.10)
INTENT_MISSING_P: Final[float] = 0.05
# Indices into contract.CHANNELS: voice, chat, messaging, email, social, web, other.
CHANNEL_P_BY_MODE: Final = (
    (0.35, 0.30, 0.20, 0.0, 0.0, 0.15, 0.0),  # ai_only: only where a bot can talk
    (0.35, 0.25, 0.15, 0.12, 0.05, 0.08, 0.0),  # hybrid
    (0.45, 0.12, 0.08, 0.25, 0.05, 0.03, 0.02),  # human_only
)
BOT_CHANNELS: Final = ("voice", "chat", "messaging", "web")
SAME_CHANNEL_FOLLOWUP_P: Final[float] = 0.70
VOICEBOT_SHARE_OF_VOICE: Final[float] = 0.60  # the rest of voice bots are IVR
HYBRID_ESCALATION_P: Final[float] = 0.65  # hybrid contact on a bot channel = bot escalation
AGENT_ASSIST_SHARE: Final[float] = 0.60  # non-escalated hybrid: agent_assist, else routing
HUMAN_ROUTING_SHARE: Final[float] = 0.30  # human_only: routing, else no AI touchpoint

# --- resolution and repeats --------------------------------------------------------------------
TRUE_UNRESOLVED_P: Final = (0.30, 0.20, 0.15)  # by mode, before the intent shift
INTENT_RESOLUTION_LOGIT: Final = (0.0, 0.8, 0.4, -0.5, -0.4, 0.2, -0.7)
FOLLOWUP_P: Final[float] = 0.85
FOLLOWUP_MIN_DAYS: Final[float] = 0.5
FOLLOWUP_MAX_DAYS: Final[float] = 6.0
MAX_GENERATIONS: Final[int] = 12
# Expected contacts per primary contact once follow-ups are added; used to hit the requested size.
REPEAT_MULTIPLIER: Final[float] = 1.215
# Share of human_only voice follow-ups of an agent-handled contact (human_only, or hybrid without a
# bot escalation) that are the agent calling back (direction outbound) rather than the customer
# calling again. Outbound contacts are never a repeat (docs/metrics.md): a direction-blind count would
# keep the earlier contact unresolved.
CALLBACK_P: Final[float] = 0.5
# Bots report a contact as resolved ("contained") even when it was not.
BOT_REPORTS_UNRESOLVED_AS_RESOLVED_P: Final[float] = 0.90
AGENT_REPORTS_UNRESOLVED_AS_RESOLVED_P: Final[float] = 0.15
AGENT_REPORTS_RESOLVED_P: Final[float] = 0.97

# --- containment masking (planted truth 2) -----------------------------------------------------
MASKING_MONTHS: Final = ("2025-03", "2025-04", "2025-05")
# Share of would-be bot escalations kept in the bot, rising month over month.
MASKING_CONTAINED_SHARE: Final = (0.25, 0.45, 0.65)
MASKED_TRUE_RESOLVED_P: Final[float] = 0.12
MASKED_CES_PENALTY: Final[float] = 2.0
MASKING_MONTH_BOT_CES_PENALTY: Final[float] = 0.8

# --- agents (planted truth 3) ------------------------------------------------------------------
CONTACTS_PER_AGENT: Final[int] = 5_000
MIN_AGENTS: Final[int] = 20
TEAM_SIZE_RANGE: Final = (15, 25)
AGENT_LEAD_DAYS: Final[int] = 75
LATENT_AR: Final[float] = 0.85
LATENT_NOISE_SD: Final[float] = 0.30
# (day since window start, depth, width in weeks) of pronounced experience dips.
LATENT_DIPS: Final = ((130, -1.8, 3.0), (560, -1.6, 3.5))
CSAT_LATENT_LOGIT: Final[float] = 0.75
NPS_LATENT_POINTS: Final[float] = 0.6
PULSE_MEAN: Final[float] = 6.6
PULSE_LATENT_POINTS: Final[float] = 1.3
PULSE_RESPONSE_P: Final[float] = 0.85
SHARE_AGENTS_HIRED_BEFORE_WINDOW: Final[float] = 0.65
CORE_AGENT_SHARE: Final[float] = 0.10  # never leave: the centre is never unstaffed
VOLUNTARY_YEARLY: Final[float] = 0.25
INVOLUNTARY_YEARLY: Final[float] = 0.06
TURNOVER_LATENT: Final[float] = 0.9

# --- conversion (planted truth 4) --------------------------------------------------------------
WIN_P_AI_ASSISTED: Final[float] = 0.34
WIN_P_HUMAN_ONLY: Final[float] = 0.24
SALES_TRANSFER_P_BY_INTENT: Final = (0.02, 0.01, 0.02, 0.01, 0.06, 0.12, 0.01)
SALES_TRANSFER_P_NO_INTENT: Final[float] = 0.02
OPP_MEDIAN_BY_SEGMENT: Final = (240.0, 1200.0, 6000.0)
OPP_AMOUNT_SIGMA: Final[float] = 0.6

# --- revenue generated (planted truth 6) -------------------------------------------------------
# In-contact sales without a transfer: plan changes upsell (AI-assisted more often), order
# questions cross-sell (equally often). With ``ai_sales_effect=False`` AI-assisted contacts sell
# and win at the human-only rates: the incremental revenue generated is exactly zero.
PLAN_CHANGE_SALE_P_AI_ASSISTED: Final[float] = 0.08
PLAN_CHANGE_SALE_P_HUMAN_ONLY: Final[float] = 0.06
ORDER_STATUS_SALE_P: Final[float] = 0.01
SALE_MEDIAN: Final[float] = 120.0
SALE_SIGMA: Final[float] = 0.5
INCREMENTAL_WINDOW_MONTHS: Final[int] = 12

# --- novice agents and AI assistance (planted truth 7) -----------------------------------------
# Agents in their first AGENT_NOVICE_DAYS take longer; AI assistance (a hybrid contact with an
# agent) shortens handling, much more for novices (cf. Brynjolfsson, Li & Raymond 2023).
# Resolution does not depend on the agent: the novice-vs-experienced resolution gap is zero.
AGENT_NOVICE_DAYS: Final[int] = 182
NOVICE_HANDLE_FACTOR: Final[float] = 1.30
ASSIST_HANDLE_FACTOR_NOVICE: Final[float] = 0.75
ASSIST_HANDLE_FACTOR_EXPERIENCED: Final[float] = 0.95

# --- surveys, QA -------------------------------------------------------------------------------
SURVEY_P: Final[float] = 0.20
SURVEY_KIND_P: Final = (0.70, 0.15, 0.15)  # csat, nps, ces
RELATIONSHIP_NPS_PER_CUSTOMER: Final[float] = 0.30
QA_REVIEW_P: Final[float] = 0.10
HANDOFF_CONTEXT_P: Final[float] = 0.70

# --- handling ----------------------------------------------------------------------------------
HANDLE_MEDIAN_BY_MODE: Final = (170.0, 520.0, 600.0)
HANDLE_SIGMA: Final[float] = 0.5
HANDLE_FACTOR_BY_INTENT: Final = (1.0, 0.6, 0.8, 1.4, 1.2, 1.0, 1.3)
MASKED_HANDLE_FACTOR: Final[float] = 1.4  # the customer loops in the bot
WAIT_MEDIAN_BY_MODE: Final = (0.0, 40.0, 70.0)
WAIT_SIGMA: Final[float] = 0.9
# cost = fixed + variable * min(handle / cap, 1): ai_only 0.2-0.7, hybrid ~2.1, human 5.5-7.4.
COST_FIXED_BY_MODE: Final = (0.20, 1.40, 5.50)
COST_VARIABLE_BY_MODE: Final = (0.50, 1.40, 1.90)
COST_HANDLE_CAP_BY_MODE: Final = (900.0, 1200.0, 1800.0)
