"""Why a decision came out as it did: typed, machine-readable codes naming their article."""

from __future__ import annotations

import enum

__all__ = ["GDPR", "Reason", "ReasonKind"]

GDPR = "GDPR"
_EPRIVACY = "Directive 2002/58/EC"
_CONSUMER_CODE = "Code de la consommation"


class ReasonKind(enum.Enum):
    GROUND = "ground"  # why processing is allowed
    REFUSAL = "refusal"  # a rule that forbids processing
    GAP = "gap"  # the declarations or records are incomplete: no lawful answer exists


class Reason(enum.Enum):
    """A reason code; ``.code`` is the stable code, ``.article`` the provision of
    ``.law`` (the GDPR unless said), ``.citation`` both as a lawyer writes them."""

    # Grounds: the basis that makes the processing lawful.
    BASIS_CONSENT = ("basis-consent", "6(1)(a)", ReasonKind.GROUND)
    BASIS_CONTRACT = ("basis-contract", "6(1)(b)", ReasonKind.GROUND)
    BASIS_LEGAL_OBLIGATION = ("basis-legal-obligation", "6(1)(c)", ReasonKind.GROUND)
    BASIS_VITAL_INTERESTS = ("basis-vital-interests", "6(1)(d)", ReasonKind.GROUND)
    BASIS_PUBLIC_TASK = ("basis-public-task", "6(1)(e)", ReasonKind.GROUND)
    BASIS_LEGITIMATE_INTERESTS = ("basis-legitimate-interests", "6(1)(f)", ReasonKind.GROUND)
    RESTRICTION_EXEMPTION = ("restriction-exemption", "18(2)", ReasonKind.GROUND)
    EXISTING_CUSTOMER = ("existing-customer", "13(2)", ReasonKind.GROUND, _EPRIVACY)
    """An electronic message to a customer about the controller's own like offers,
    without prior consent (the person could object at collection and in every message)."""
    ONGOING_CONTRACT = ("ongoing-contract", "L223-1", ReasonKind.GROUND, _CONSUMER_CODE)
    """A call within a contract still running, about its subject (France)."""

    # Refusals.
    ERASED = ("erased", "17", ReasonKind.REFUSAL)
    CONSENT_MISSING = ("consent-missing", "6(1)(a)", ReasonKind.REFUSAL)
    CONSENT_WITHDRAWN = ("consent-withdrawn", "7(3)", ReasonKind.REFUSAL)
    CONSENT_NOT_INFORMED = ("consent-not-informed", "4(11)", ReasonKind.REFUSAL)
    """The notice shown when consenting did not describe this purpose."""
    CONSENT_RENEWAL_REQUIRED = ("consent-renewal-required", "4(11)", ReasonKind.REFUSAL)
    """The purpose changed materially since the notice the consent was given under."""
    CONSENT_NOT_EXPLICIT = ("consent-not-explicit", "4(11)", ReasonKind.REFUSAL)
    MINOR_WITHOUT_PARENTAL_CONSENT = ("minor-without-parental-consent", "8(1)", ReasonKind.REFUSAL)
    SPECIAL_CATEGORY_WITHOUT_EXPLICIT_CONSENT = (
        "special-category-without-explicit-consent",
        "9(2)(a)",
        ReasonKind.REFUSAL,
    )
    AUTOMATED_DECISION_WITHOUT_EXPLICIT_CONSENT = (
        "automated-decision-without-explicit-consent",
        "22(2)(c)",
        ReasonKind.REFUSAL,
    )
    PURPOSE_INCOMPATIBLE = ("purpose-incompatible", "6(4)", ReasonKind.REFUSAL)
    OBJECTION = ("objection", "21(1)", ReasonKind.REFUSAL)
    DIRECT_MARKETING_OBJECTION = ("direct-marketing-objection", "21(3)", ReasonKind.REFUSAL)
    RESTRICTED = ("restricted", "18(2)", ReasonKind.REFUSAL)
    RETENTION_EXPIRED = ("retention-expired", "5(1)(e)", ReasonKind.REFUSAL)
    TRANSFER_WITHOUT_GROUND = ("transfer-without-ground", "44", ReasonKind.REFUSAL)
    """A transfer outside the EEA the purpose makes has no ground at this instant: its
    adequacy decision is not (or no longer) in force, or its safeguard's window is
    closed (Art. 44-49)."""

    MARKETING_CONSENT_MISSING = (
        "marketing-consent-missing",
        "13(1)",
        ReasonKind.REFUSAL,
        _EPRIVACY,
    )
    """The channel needs the person's prior consent to it, and none covers it."""
    CHANNEL_OBJECTION = ("channel-objection", "21(2)", ReasonKind.REFUSAL)
    """The person objected to messages on this channel."""
    OPPOSITION_LISTED = ("opposition-listed", "13(3)", ReasonKind.REFUSAL, _EPRIVACY)
    """The number is on the national list of people who refuse canvassing."""
    OUTSIDE_CALLING_HOURS = ("outside-calling-hours", "13(3)", ReasonKind.REFUSAL, _EPRIVACY)
    """Not a day or an hour national law allows canvassing on this channel."""
    CANVASSING_BANNED = ("canvassing-banned", "13(3)", ReasonKind.REFUSAL, _EPRIVACY)
    """National law bans canvassing on this channel (for this sector)."""

    # Gaps: no lawful answer can be given from what is declared or recorded.
    PURPOSE_UNDECLARED = ("purpose-undeclared", "30(1)(b)", ReasonKind.GAP)
    NOTICE_VERSION_UNKNOWN = ("notice-version-unknown", "7(1)", ReasonKind.GAP)
    AGE_UNKNOWN = ("age-unknown", "8(2)", ReasonKind.GAP)
    AGE_UNREADABLE = ("age-unreadable", "8(2)", ReasonKind.GAP)
    """A birth date is stored but cannot be decrypted (damaged): the age is not known."""
    CHANNEL_UNDECLARED = ("channel-undeclared", "13(1)(c)", ReasonKind.GAP)
    """The purpose does not use this channel: not among the channels it declares, or
    none of its fields is a contact point for it."""
    OPPOSITION_LIST_UNCHECKED = (
        "opposition-list-unchecked",
        "13(3)",
        ReasonKind.GAP,
        _EPRIVACY,
    )
    """National law makes the caller consult an opposition list: say whether the number
    is on it (``Outreach.opposition_listed``)."""

    def __init__(self, code: str, article: str, kind: ReasonKind, law: str = GDPR) -> None:
        self.code = code
        self.article = article
        self.kind = kind
        self.law = law

    @property
    def citation(self) -> str:
        """``Art. 6(1)(a)`` for the GDPR, ``Directive 2002/58/EC art. 13(1)`` otherwise."""
        if self.law == GDPR:
            return f"Art. {self.article}"
        return f"{self.law} art. {self.article}"

    def __str__(self) -> str:
        return f"{self.code} ({self.citation})"
