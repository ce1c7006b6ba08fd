"""The Controller and its workflows: one module per GDPR operation, no rules here.

* :mod:`~gdprcrm.service.controller` - the flat public API (:class:`Controller`);
* :mod:`~gdprcrm.service.kernel` - clock, audit append, state loading, sealing;
* one workflow module each: ``collection``, ``consent``, ``processing``, ``requests``,
  ``rights``, ``erasure``, ``retention``, ``notifications``, ``breaches``, ``lookups``,
  ``information`` (Art. 14), ``tokens`` (links), ``accountability`` and
  ``certificate_check`` (Art. 5(2)).

The rules these workflows apply live in :mod:`gdprcrm.policy`, by article.
"""

from gdprcrm.errors import MinimisationError, ProcessingRefused, Suppressed
from gdprcrm.service.certificate_check import CertificateCheck
from gdprcrm.service.controller import Controller
from gdprcrm.service.erasure import ErasureOutcome
from gdprcrm.service.kernel import BIRTH_DATE_FIELD
from gdprcrm.service.lookups import Reindexed
from gdprcrm.service.restores import Reconciliation
from gdprcrm.service.retention import SweepResult

__all__ = [
    "BIRTH_DATE_FIELD",
    "CertificateCheck",
    "Controller",
    "ErasureOutcome",
    "MinimisationError",
    "ProcessingRefused",
    "Reconciliation",
    "Reindexed",
    "Suppressed",
    "SweepResult",
]
