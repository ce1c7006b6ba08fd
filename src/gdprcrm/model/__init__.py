"""The domain model: frozen, slotted attrs value objects; no I/O, no clock, no crypto.

One small module per GDPR concept; everything is re-exported here.
"""

from gdprcrm.model.audit_entry import AuditEntry, DetailValue
from gdprcrm.model.automated import AutomatedDecision
from gdprcrm.model.breach import Breach, CommunicationException
from gdprcrm.model.category import DEFAULT_TAXONOMY, CnilGroup, DataCategory
from gdprcrm.model.channel import CONTACT_CATEGORIES, Audience, Channel
from gdprcrm.model.consent import (
    Consent,
    ConsentEvent,
    ConsentGiven,
    ConsentGiver,
    ConsentGrant,
    ConsentRefused,
    ConsentState,
    ConsentWithdrawn,
    consent_state,
    consents_of,
)
from gdprcrm.model.controller_info import Contact, ControllerInfo, SupervisoryAuthority
from gdprcrm.model.declarations import Declarations
from gdprcrm.model.erasure import ErasureStep, PendingErasure
from gdprcrm.model.field import FieldSpec, Lookup, Provenance
from gdprcrm.model.identifiers import RecordId, SubjectId
from gdprcrm.model.information_duty import (
    DutyStatus,
    DutyTrigger,
    Exemption,
    InformationDuty,
    SourceKind,
)
from gdprcrm.model.interaction import Direction, Interaction, InteractionKind
from gdprcrm.model.jurisdiction import (
    DEFAULT_CONSENT_AGES,
    EEA_STATES,
    EU_STATES,
    ISO_3166_COUNTRIES,
    ConsentAges,
    normalise_country,
    normalise_state,
)
from gdprcrm.model.legal_basis import (
    RIGHTS_MATRIX,
    Applicability,
    LegalBasis,
    Right,
    RightRule,
    rights_for,
)
from gdprcrm.model.marketing import (
    DEFAULT_MARKETING_LAWS,
    EU_BASELINE,
    CallingWindow,
    ChannelRule,
    CustomerException,
    MarketingLaw,
    MarketingLaws,
    Requirement,
    SectorBan,
)
from gdprcrm.model.notice import MATERIAL_ATTRIBUTES, NoticeVersion, material_digest
from gdprcrm.model.notification import NotificationEvent, RecipientNotification
from gdprcrm.model.objection import Objection, SuppressionEntry
from gdprcrm.model.personal_field import MAX_CIPHERTEXT, BlindIndexEntry, PersonalField
from gdprcrm.model.purpose import (
    Provision,
    Purpose,
    RestrictionExemption,
    SpecialCategoryCondition,
)
from gdprcrm.model.recipient import (
    ADEQUACY_DECISIONS,
    Adequacy,
    Recipient,
    RecipientKind,
    Transfer,
    TransferMechanism,
    adequacy_at,
)
from gdprcrm.model.record import (
    FinancialYearEnd,
    Record,
    RecordAnchor,
    RecordKind,
    RecordRetention,
)
from gdprcrm.model.request import (
    OPEN_STATUSES,
    DataSubjectRequest,
    IdentityStatus,
    RequestKind,
    RequestStatus,
)
from gdprcrm.model.restriction import Restriction, RestrictionGround
from gdprcrm.model.retention import (
    AnchorEvent,
    RetentionAction,
    RetentionDue,
    RetentionRule,
    format_period,
    parse_period,
)
from gdprcrm.model.subject import AgeAttestation, DataSource, Subject, SubjectStatus

__all__ = [
    "ADEQUACY_DECISIONS",
    "CONTACT_CATEGORIES",
    "DEFAULT_CONSENT_AGES",
    "DEFAULT_MARKETING_LAWS",
    "DEFAULT_TAXONOMY",
    "EEA_STATES",
    "EU_BASELINE",
    "EU_STATES",
    "ISO_3166_COUNTRIES",
    "MATERIAL_ATTRIBUTES",
    "MAX_CIPHERTEXT",
    "OPEN_STATUSES",
    "RIGHTS_MATRIX",
    "Adequacy",
    "AgeAttestation",
    "AnchorEvent",
    "Applicability",
    "Audience",
    "AuditEntry",
    "AutomatedDecision",
    "BlindIndexEntry",
    "Breach",
    "CallingWindow",
    "Channel",
    "ChannelRule",
    "CnilGroup",
    "CommunicationException",
    "Consent",
    "ConsentAges",
    "ConsentEvent",
    "ConsentGiven",
    "ConsentGiver",
    "ConsentGrant",
    "ConsentRefused",
    "ConsentState",
    "ConsentWithdrawn",
    "Contact",
    "ControllerInfo",
    "CustomerException",
    "DataCategory",
    "DataSource",
    "DataSubjectRequest",
    "Declarations",
    "DetailValue",
    "Direction",
    "DutyStatus",
    "DutyTrigger",
    "ErasureStep",
    "Exemption",
    "FieldSpec",
    "FinancialYearEnd",
    "IdentityStatus",
    "InformationDuty",
    "Interaction",
    "InteractionKind",
    "LegalBasis",
    "Lookup",
    "MarketingLaw",
    "MarketingLaws",
    "NoticeVersion",
    "NotificationEvent",
    "Objection",
    "PendingErasure",
    "PersonalField",
    "Provenance",
    "Provision",
    "Purpose",
    "Recipient",
    "RecipientKind",
    "RecipientNotification",
    "Record",
    "RecordAnchor",
    "RecordId",
    "RecordKind",
    "RecordRetention",
    "RequestKind",
    "RequestStatus",
    "Requirement",
    "Restriction",
    "RestrictionExemption",
    "RestrictionGround",
    "RetentionAction",
    "RetentionDue",
    "RetentionRule",
    "Right",
    "RightRule",
    "SectorBan",
    "SourceKind",
    "SpecialCategoryCondition",
    "Subject",
    "SubjectId",
    "SubjectStatus",
    "SupervisoryAuthority",
    "SuppressionEntry",
    "Transfer",
    "TransferMechanism",
    "adequacy_at",
    "consent_state",
    "consents_of",
    "format_period",
    "material_digest",
    "normalise_country",
    "normalise_state",
    "parse_period",
    "rights_for",
]
