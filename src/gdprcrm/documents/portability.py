"""The portability export (Art. 20), as JSON with a published JSON Schema, or CSV.

Only data the person *provided* (actively, or observed from their use of a service; not
inferred), processed on the basis of consent or a contract (Art. 20(1)(a)), for the
purposes the person's data was collected for.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from importlib import resources
from typing import Any

from gdprcrm.model import Declarations, Subject
from gdprcrm.policy.rights import PORTABLE_BASES, is_portable

__all__ = [
    "PORTABLE_BASES",
    "PortableRecord",
    "portability_export",
    "portability_schema",
    "to_csv",
]

PortableRecord = tuple[str, str, datetime, Mapping[str, str]]
"""(record id, kind, date, decrypted values) of one record."""


def portability_schema() -> dict[str, Any]:
    """The JSON Schema every export validates against (shipped with the package)."""
    text = (
        resources.files("gdprcrm.documents").joinpath("portability.schema.json").read_text("utf-8")
    )
    schema: dict[str, Any] = json.loads(text)
    return schema


def portability_export(
    subject: Subject,
    values: Mapping[str, str],
    decl: Declarations,
    at: datetime,
    records: Sequence[PortableRecord] = (),
) -> dict[str, Any]:
    """The Art. 20 export of ``values`` (decrypted fields of ``subject``) and of its
    ``records`` (kind, id, date and decrypted values of each)."""
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
    document: dict[str, Any] = {
        "format": "gdprcrm.portability.v1",
        "controller": decl.controller.name,
        "subject": str(subject.id),
        "exported_at": at.isoformat(),
        "data": rows,
    }
    portable_records = _records(subject, decl, records)
    if portable_records:
        document["records"] = portable_records
    return document


def _records(
    subject: Subject, decl: Declarations, records: Sequence[PortableRecord]
) -> list[dict[str, Any]]:
    """Art. 20(1): records of a kind processed on consent or contract for the person,
    with the fields the person provided (not inferred ones)."""
    out = []
    for record_id, kind_id, dated, values in records:
        kind = decl.find_record_kind(kind_id)
        if kind is None:
            continue
        purposes = sorted(
            p
            for p in kind.purposes & subject.purposes
            if (purpose := decl.find_purpose(p)) is not None and is_portable(purpose)
        )
        fields = [
            {
                "field": spec.name,
                "category": spec.category.key,
                "provenance": spec.provenance.value,
                "value": values[spec.name],
            }
            for spec in kind.fields
            if spec.portable and spec.name in values
        ]
        if purposes and fields:
            out.append(
                {
                    "id": record_id,
                    "kind": kind_id,
                    "dated": dated.isoformat(),
                    "purposes": purposes,
                    "fields": fields,
                }
            )
    return out


def to_csv(export: Mapping[str, Any]) -> str:
    """The same export as CSV: one row per field, then one per field of each record
    (named ``kind.field``, with the record's id in the last column)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["field", "category", "provenance", "purposes", "value", "record"])
    for row in export["data"]:
        writer.writerow(
            [
                row["field"],
                row["category"],
                row["provenance"],
                ";".join(row["purposes"]),
                row["value"],
                "",
            ]
        )
    for record in export.get("records", ()):
        for f in record["fields"]:
            writer.writerow(
                [
                    f"{record['kind']}.{f['field']}",
                    f["category"],
                    f["provenance"],
                    ";".join(record["purposes"]),
                    f["value"],
                    record["id"],
                ]
            )
    return out.getvalue()
