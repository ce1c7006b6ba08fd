"""The portability export (Art. 20), as JSON with a published JSON Schema, or CSV.

Only data the person *provided* (actively, or observed from their use of a service; not
inferred), processed on the basis of consent or a contract (Art. 20(1)(a)), for the
purposes the person's data was collected for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from datetime import datetime
from importlib import resources
from typing import Any

from gdprcrm.model import Declarations, Subject
from gdprcrm.policy.rights import PORTABLE_BASES, is_portable

__all__ = ["PORTABLE_BASES", "portability_export", "portability_schema", "to_csv"]


def portability_schema() -> dict[str, Any]:
    """The JSON Schema every export validates against (shipped with the package)."""
    text = (
        resources.files("gdprcrm.documents").joinpath("portability.schema.json").read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def portability_export(
    subject: Subject, values: Mapping[str, str], decl: Declarations, at: datetime
) -> dict[str, Any]:
    """The Art. 20 export of ``values`` (decrypted fields of ``subject``)."""
    rows = []
    for name in sorted(values):
        spec = decl.find_field(name)
        if spec is None or not spec.portable:
            continue  # inferred data, or an internal field: not "provided by" the person
        purposes = sorted(
            p
            for p in subject.purposes
            if (purpose := decl.find_purpose(p)) is not None
            and is_portable(purpose)
            and name in purpose.field_names
        )
        if not purposes:
            continue  # not processed on consent or contract
        rows.append(
            {
                "field": name,
                "category": spec.category.key,
                "provenance": spec.provenance.value,
                "purposes": purposes,
                "value": values[name],
            }
        )
    return {
        "format": "gdprcrm.portability.v1",
        "controller": decl.controller.name,
        "subject": str(subject.id),
        "exported_at": at.isoformat(),
        "data": rows,
    }


def to_csv(export: Mapping[str, Any]) -> str:
    """The same export as CSV: one row per field."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["field", "category", "provenance", "purposes", "value"])
    for row in export["data"]:
        writer.writerow(
            [
                row["field"],
                row["category"],
                row["provenance"],
                ";".join(row["purposes"]),
                row["value"],
            ]
        )
    return out.getvalue()
