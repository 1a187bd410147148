"""Collection work. One module per part of the domain; every model is importable from here."""

from __future__ import annotations

from .cases import Agent, AssignmentRecord, Case, Team
from .complaints import Complaint, ComplaintCategory, ComplaintPolicy, Dispute
from .contacts import ContactAttempt, DispositionCode
from .extensions import ExtensionAuthority, ExtensionRequest, ExtensionSop, ExtensionSopStep, ExtensionWaiver
from .imports import BookImportJob
from .integrations import DialAuthorization, DispositionMapping, DncEntry, IdempotencyRecord, Integration
from .messages import InboundMessage, Message, MessageTemplate
from .plans import PlanAction, PlanRequest, PlanRun
from .promises import PromisePart, PromisePolicy, PromiseToPay
from .quality import QaAnswer, QaReview, Scorecard, ScorecardItem
from .report_messages import ReportMessageDay
from .reports import (
    ReportAgentDay,
    ReportAgentMonth,
    ReportAgentShift,
    ReportBucketDay,
    ReportEntryDay,
    ReportExitDay,
    ReportFlowMonth,
    ReportForecastBalance,
    ReportForecastMatrix,
    ReportRollDay,
    ReportVintage,
)
from .strategies import Action, Arm, ArmAssignment, ChannelCost, Segment, Strategy

__all__ = [
    "Action", "Arm", "ArmAssignment", "ChannelCost", "PlanAction", "PlanRequest", "PlanRun", "Segment", "Strategy",
    "Agent", "BookImportJob", "AssignmentRecord", "Case", "Complaint", "ComplaintCategory", "ComplaintPolicy", "ContactAttempt", "Dispute", "DialAuthorization", "DispositionCode",
    "DispositionMapping", "ExtensionAuthority", "ExtensionRequest", "ExtensionSop", "ExtensionSopStep",
    "ExtensionWaiver", "DncEntry", "IdempotencyRecord", "InboundMessage", "Integration", "Message", "MessageTemplate", "PromisePart", "PromisePolicy",
    "PromiseToPay", "QaAnswer", "QaReview", "Scorecard", "ScorecardItem", "Team",
    "ReportAgentDay", "ReportAgentMonth", "ReportAgentShift", "ReportBucketDay", "ReportEntryDay", "ReportExitDay",
    "ReportFlowMonth", "ReportMessageDay", "ReportForecastBalance", "ReportForecastMatrix", "ReportRollDay", "ReportVintage",
]
