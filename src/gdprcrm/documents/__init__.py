"""Documents generated from the declarations: the Art. 30 register, the Art. 13/14
privacy notice, consent receipts. Pure renderers: no I/O, no clock."""

from gdprcrm.documents.access import access_report, access_report_json
from gdprcrm.documents.access_text import access_report_text
from gdprcrm.documents.localized import localized
from gdprcrm.documents.notice import (
    IncompleteNotice,
    Notice,
    NoticeChanges,
    NoticeItem,
    NoticeSection,
    build_notice,
    compare_notices,
    required_items,
    validate_notice,
)
from gdprcrm.documents.portability import (
    PORTABLE_BASES,
    portability_export,
    portability_schema,
)
from gdprcrm.documents.receipt import KANTARA_VERSION, build_receipt, verify_receipt
from gdprcrm.documents.register import (
    DEFAULT_SECURITY_MEASURES,
    GDPRCRM_SECURITY_MEASURES,
    Activity,
    IssueLevel,
    Register,
    RegisterIssue,
    build_register,
)

__all__ = [
    "DEFAULT_SECURITY_MEASURES",
    "GDPRCRM_SECURITY_MEASURES",
    "KANTARA_VERSION",
    "PORTABLE_BASES",
    "Activity",
    "IncompleteNotice",
    "IssueLevel",
    "Notice",
    "NoticeChanges",
    "NoticeItem",
    "NoticeSection",
    "Register",
    "RegisterIssue",
    "access_report",
    "access_report_json",
    "access_report_text",
    "build_notice",
    "build_receipt",
    "build_register",
    "compare_notices",
    "localized",
    "portability_export",
    "portability_schema",
    "required_items",
    "validate_notice",
    "verify_receipt",
]
