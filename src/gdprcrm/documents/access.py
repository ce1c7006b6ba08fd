"""The access report (Art. 15): confirmation, a copy of the data, and the information of
Art. 15(1)(a)-(h), drawn from the declarations and the person's own records."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gdprcrm.documents.register import period_fr
from gdprcrm.model import ConsentEvent, Declarations, Purpose, Right, Subject
from gdprcrm.policy import SubjectState
from gdprcrm.policy.rights import rights_of, rule
from gdprcrm.serialization import unstructure

__all__ = ["access_report", "access_report_json"]


def access_report(
    state: SubjectState,
    values: Mapping[str, str],
    decl: Declarations,
    at: datetime,
    *,
    interactions: Sequence[Mapping[str, Any]] = (),
    requests: Sequence[Any] = (),
    records: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Everything Art. 15 gives the person, as one JSON-ready document."""
    subject: Subject = state.subject
    purposes = [decl.purpose(p) for p in sorted(subject.purposes) if p in decl.purpose_ids]
    info = decl.controller
    return {
        "format": "gdprcrm.access-report.v1",
        "article": "15",
        "generated_at": at.isoformat(),
        "controller": {
            "name": info.name,
            "contact": unstructure(info.contact),
            "dpo": None if info.dpo is None else unstructure(info.dpo),
        },
        "subject": str(subject.id),
        "confirmation": bool(values) or bool(purposes) or bool(records),  # 15(1)
        "data": dict(sorted(values.items())),  # 15(3): a copy of every stored value
        "records": list(records),  # 15(3): every record, with its retention (15(1)(d))
        "purposes": [  # 15(1)(a), (b), (c), (d), (h)
            {
                "id": p.id,
                "name": p.name,
                "description": p.description,
                "legal_basis": p.basis.value,
                "article": p.basis.article,
                "categories": sorted({f.category.key for f in p.fields}),
                "recipients": [  # the actual recipients (CJEU C-154/21)
                    {
                        "name": r.name,
                        "category": r.category,
                        "country": r.country,
                        "kind": r.kind.value,
                    }
                    for r in p.recipients
                ],
                "transfers": [  # 15(2): the safeguards of third-country transfers
                    {
                        "country": t.country,
                        "mechanism": t.mechanism.value,
                        "article": t.mechanism.article,
                        "reference": t.reference,
                    }
                    for t in p.transfers
                ],
                "retention": period_fr(p),
                "automated_decision": None
                if p.automated_decision is None
                else {
                    "logic": p.automated_decision.logic,
                    "significance": p.automated_decision.significance,
                },
            }
            for p in purposes
        ],
        "source": None if subject.source is None else unstructure(subject.source),  # 15(1)(g)
        "rights": _rights(purposes),  # 15(1)(e), from the rights matrix
        "complaint": {  # 15(1)(f)
            "authority": info.supervisory_authority.name,
            "url": info.supervisory_authority.url,
        },
        # Each event tagged given / withdrawn / refused (Art. 7(1): asked, and the answer).
        "consents": [unstructure(e, unstructure_as=ConsentEvent) for e in state.consents],
        "objections": [unstructure(o) for o in state.objections],
        "restrictions": [unstructure(r) for r in state.restrictions],
        "interactions": list(interactions),
        "requests": [unstructure(r) for r in requests],
    }


def _rights(purposes: Sequence[Purpose]) -> list[dict[str, Any]]:
    """Each right the person holds, with the purposes it applies to (RIGHTS_MATRIX)."""
    out = []
    for right in Right:
        applies = rights_of(purposes, right)
        if applies:
            articles = sorted({rule(p.basis, right).article for p in purposes if p.id in applies})
            out.append({"right": right.value, "articles": articles, "purposes": list(applies)})
    return out


def access_report_json(report: Mapping[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2) + "\n"
