"""The record of processing activities (Art. 30(1)), built from the declarations.

One activity per purpose, with every item of Art. 30(1)(a)-(g) and the groupings of
the CNIL model register (categories of data by group, security measures). Items
(a)-(e) are mandatory: a missing one is an *error*; (f) and (g) are required "where
possible": a missing one is a *warning*. Rendered as JSON, CSV and Markdown.
"""

from __future__ import annotations

import csv
import enum
import io
import json
from collections.abc import Sequence
from datetime import datetime

import attrs

from gdprcrm.documents.register_texts import (
    BASIS_FR,
    CATEGORY_LABELS_FR,
    GROUP_IDS,
    GROUP_LABELS,
    KIND_FR,
    MECHANISM_FR,
    category_fr,
    period_fr,
    record_period_fr,
)
from gdprcrm.model import (
    EEA_STATES,
    CnilGroup,
    Contact,
    Declarations,
    Purpose,
    Recipient,
    RecordKind,
)
from gdprcrm.model._checks import check_aware

__all__ = [
    "CATEGORY_LABELS_FR",
    "DEFAULT_SECURITY_MEASURES",
    "GDPRCRM_SECURITY_MEASURES",
    "Activity",
    "IssueLevel",
    "Register",
    "RegisterIssue",
    "build_register",
    "category_fr",
    "period_fr",
    "record_period_fr",
]

GDPRCRM_SECURITY_MEASURES = (
    "Chiffrement des données personnelles au repos, une clé par personne (AES-256-GCM)",
    "Effacement par destruction de la clé (crypto-shredding), avec certificat signé",
    "Clés conservées à part des données, chiffrées par une clé maîtresse",
    "Journal d'audit chaîné (HMAC), ancré par des points de contrôle signés, sans donnée "
    "personnelle",
    "Effacements réappliqués à l'ouverture après la restauration d'une sauvegarde",
)
"""What gdprcrm itself does (Art. 32), worded for the register: copy into the declared
``security_measures`` those that are true of your deployment (the audit key kept apart,
the key store apart from the data, ``Controller.open`` or ``reconcile()`` at start-up),
beside your own (access control, backups, ...). The register claims nothing by itself."""

DEFAULT_SECURITY_MEASURES = GDPRCRM_SECURITY_MEASURES
"""The former name of :data:`GDPRCRM_SECURITY_MEASURES` (no longer a default)."""


class IssueLevel(enum.Enum):
    ERROR = "error"  # a mandatory item of Art. 30(1)(a)-(e) is missing
    WARNING = "warning"  # an item of Art. 30(1)(f)-(g) is missing


@attrs.frozen
class RegisterIssue:
    level: IssueLevel
    item: str
    """The Art. 30(1) point, e.g. "30(1)(c)"."""
    purpose_id: str | None
    message: str


@attrs.frozen
class Activity:
    """One processing activity: one purpose, every Art. 30(1) item."""

    purpose_id: str
    name: str
    purpose: str  # (b)
    legal_basis: str
    subject_categories: tuple[str, ...]  # (c)
    data_categories: tuple[tuple[str, tuple[str, ...]], ...]  # (c), by CNIL group
    sensitive_data: bool
    recipients: tuple[str, ...]  # (d)
    third_countries: tuple[str, ...]  # (d)
    transfers: tuple[str, ...]  # (e)
    retention: str  # (f)
    security_measures: tuple[str, ...]  # (g)
    basis: str | None = None
    """The legal basis's stable id (``consent``, ``contract``, ...) beside its label."""


@attrs.frozen
class Register:
    """The controller's register, with the issues found while building it."""

    controller: tuple[tuple[str, str, str], ...]
    """(a): (role, label, text) in order; roles are stable ids (``controller``,
    ``contact``, ``dpo``, ``representative``, ``joint_controllers``)."""
    updated_at: datetime
    activities: tuple[Activity, ...]
    issues: tuple[RegisterIssue, ...]

    @property
    def errors(self) -> tuple[RegisterIssue, ...]:
        return tuple(i for i in self.issues if i.level is IssueLevel.ERROR)

    @property
    def warnings(self) -> tuple[RegisterIssue, ...]:
        return tuple(i for i in self.issues if i.level is IssueLevel.WARNING)

    @property
    def complete(self) -> bool:
        """No mandatory item is missing."""
        return not self.errors

    def _controller_ids(self) -> tuple[dict[str, object], dict[str, str]]:
        """(stable id -> text, stable id -> label) of the controller block."""
        values: dict[str, object] = {}
        joint = [text for role, _, text in self.controller if role == _JOINT]
        values.update({role: text for role, _, text in self.controller if role != _JOINT})
        if joint:
            values[_JOINT] = joint
        return values, {role: label for role, label, _ in self.controller}

    def to_dict(self) -> dict[str, object]:
        """Stable identifiers as keys (purpose ids, legal bases, CNIL groups, controller
        roles); the French display labels apart, under ``labels``."""
        controller, controller_labels = self._controller_ids()
        return {
            "type": "gdprcrm.article-30-register",
            "updated_at": self.updated_at.isoformat(),
            "controller": controller,
            "labels": {
                "controller": controller_labels,
                "data_categories": {g.value: label for g, label in GROUP_LABELS.items()},
            },
            "activities": [
                {
                    "purpose_id": a.purpose_id,
                    "name": a.name,
                    "purpose": a.purpose,
                    "basis": a.basis,
                    "legal_basis": a.legal_basis,
                    "subject_categories": list(a.subject_categories),
                    "data_categories": {GROUP_IDS[g]: list(c) for g, c in a.data_categories},
                    "sensitive_data": a.sensitive_data,
                    "recipients": list(a.recipients),
                    "third_countries": list(a.third_countries),
                    "transfers": list(a.transfers),
                    "retention": a.retention,
                    "security_measures": list(a.security_measures),
                }
                for a in self.activities
            ],
            "issues": [
                {
                    "level": i.level.value,
                    "item": i.item,
                    "purpose_id": i.purpose_id,
                    "message": i.message,
                }
                for i in self.issues
            ],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=False) + "\n"

    def to_csv(self) -> str:
        """The controller block (30(1)(a)) and the date first, then one row per activity
        (the columns of the CNIL model register)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["Registre des activités de traitement (art. 30 du RGPD)"])
        writer.writerow(["mis à jour le", f"{self.updated_at:%Y-%m-%d}"])
        for _, label, text in self.controller:
            writer.writerow([label, text])
        writer.writerow([])
        writer.writerow(
            [
                "activité",
                "finalité",
                "base légale",
                "catégories de personnes",
                "catégories de données",
                "données sensibles",
                "destinataires",
                "pays tiers",
                "garanties des transferts",
                "durée de conservation",
                "mesures de sécurité",
            ]
        )
        for a in self.activities:
            writer.writerow(
                [
                    a.name,
                    a.purpose,
                    a.legal_basis,
                    "; ".join(a.subject_categories),
                    "; ".join(f"{g}: {', '.join(c)}" for g, c in a.data_categories),
                    "oui" if a.sensitive_data else "non",
                    "; ".join(a.recipients),
                    "; ".join(a.third_countries),
                    "; ".join(a.transfers),
                    a.retention,
                    "; ".join(a.security_measures),
                ]
            )
        return out.getvalue()

    def to_markdown(self) -> str:
        lines = ["# Registre des activités de traitement (article 30 du RGPD)", ""]
        lines.append(f"Mis à jour le {self.updated_at:%Y-%m-%d}.")
        lines.append("")
        lines.append("## Responsable du traitement (art. 30(1)(a))")
        lines.append("")
        lines += [f"- {label} : {value}" for _, label, value in self.controller]
        for a in self.activities:
            lines += ["", f"## {a.name}", ""]
            lines.append(f"- **Finalité (b)** : {a.purpose}")
            lines.append(f"- **Base légale** : {a.legal_basis}")
            lines.append(f"- **Catégories de personnes (c)** : {', '.join(a.subject_categories)}")
            lines.append("- **Catégories de données (c)** :")
            lines += [f"  - {group} : {', '.join(cats)}" for group, cats in a.data_categories]
            lines.append(f"- **Données sensibles** : {'oui' if a.sensitive_data else 'non'}")
            lines.append(f"- **Destinataires (d)** : {'; '.join(a.recipients) or 'aucun'}")
            lines.append(f"- **Pays tiers (d)** : {', '.join(a.third_countries) or 'aucun'}")
            lines.append(
                f"- **Transferts et garanties (e)** : {'; '.join(a.transfers) or 'aucun'}"
            )
            lines.append(f"- **Durée de conservation (f)** : {a.retention}")
            lines.append("- **Mesures de sécurité (g)** :")
            lines += [f"  - {m}" for m in a.security_measures]
        if self.issues:
            lines += ["", "## Points à compléter", ""]
            lines += [
                f"- [{i.level.value}] art. {i.item}"
                + (f" ({i.purpose_id})" if i.purpose_id else "")
                + f" : {i.message}"
                for i in self.issues
            ]
        return "\n".join(lines) + "\n"


def _contact(role: str, label: str, c: Contact) -> tuple[str, str, str]:
    parts = [c.name] + [x for x in (c.email, c.phone, c.address) if x]
    return (role, label, ", ".join(parts))


def build_register(
    decl: Declarations,
    *,
    updated_at: datetime,
    security_measures: Sequence[str] | None = None,
) -> Register:
    """The Art. 30(1) register of ``decl``; ``issues`` lists what is missing. The security
    measures (30(1)(g)) are the declared ones unless ``security_measures`` is given."""
    updated_at = check_aware(updated_at, "build_register(updated_at)")
    if security_measures is None:
        security_measures = decl.security_measures
    issues: list[RegisterIssue] = []
    controller = _controller_block(decl, issues)  # 30(1)(a)
    activities = [
        _activity(
            p,
            security_measures,
            issues,
            [k for k in decl.records if p.id in k.purposes],
            updated_at,
        )
        for p in decl.purposes
    ]
    return Register(tuple(controller), updated_at, tuple(activities), tuple(issues))


_JOINT = "joint_controllers"


def _controller_block(
    decl: Declarations, issues: list[RegisterIssue]
) -> list[tuple[str, str, str]]:
    """Art. 30(1)(a): controller, DPO, representative, joint controllers, each as
    (role, French label, text)."""
    info = decl.controller
    controller = [
        (
            "controller",
            "Responsable du traitement",
            info.name + (f" ({info.registration})" if info.registration else ""),
        ),
        _contact("contact", "Contact", info.contact),
    ]
    if info.dpo is not None:
        controller.append(_contact("dpo", "Délégué à la protection des données", info.dpo))
    else:
        issues.append(
            RegisterIssue(
                IssueLevel.WARNING,
                "30(1)(a)",
                None,
                "aucun délégué à la protection des données déclaré (obligatoire dans les cas "
                "de l'art. 37)",
            )
        )
    if info.representative is not None:
        controller.append(
            _contact("representative", "Représentant (art. 27)", info.representative)
        )
    controller += [_contact(_JOINT, "Responsable conjoint", c) for c in info.joint_controllers]
    return controller


def _activity(
    p: Purpose,
    security_measures: Sequence[str],
    issues: list[RegisterIssue],
    kinds: Sequence[RecordKind] = (),
    at: datetime | None = None,
) -> Activity:
    """One processing activity: Art. 30(1)(b)-(g) for one purpose (and the records kept
    for it, each kind with its own retention)."""
    if not p.description.strip():
        issues.append(
            RegisterIssue(IssueLevel.ERROR, "30(1)(b)", p.id, "la finalité n'est pas décrite")
        )
    if not p.subject_categories:
        issues.append(
            RegisterIssue(
                IssueLevel.ERROR, "30(1)(c)", p.id, "aucune catégorie de personnes concernées"
            )
        )
    by_group: dict[CnilGroup, list[str]] = {}
    for f in (*p.fields, *(f for k in kinds for f in k.fields)):
        label = category_fr(f.category.key, f.category.label)
        if label not in by_group.get(f.category.group, []):
            by_group.setdefault(f.category.group, []).append(label)
    groups = {GROUP_LABELS[g]: by_group[g] for g in CnilGroup if g in by_group}
    third, transfers = _transfers(p, issues, at)
    if not security_measures:
        issues.append(
            RegisterIssue(
                IssueLevel.WARNING, "30(1)(g)", p.id, "aucune mesure de sécurité décrite"
            )
        )
    return Activity(
        purpose_id=p.id,
        name=p.name,
        purpose=p.description,
        legal_basis=BASIS_FR[p.basis.value],
        basis=p.basis.value,
        subject_categories=tuple(sorted(p.subject_categories)),
        data_categories=tuple((g, tuple(c)) for g, c in groups.items()),
        sensitive_data=any(
            f.category.sensitive for f in (*p.fields, *(f for k in kinds for f in k.fields))
        ),
        recipients=tuple(_recipient_text(r) for r in p.recipients),
        third_countries=tuple(third),
        transfers=tuple(transfers),
        retention=" ; ".join(
            [period_fr(p), *(f"{k.label} : {record_period_fr(k)}" for k in kinds)]
        ),
        security_measures=tuple(security_measures),
    )


def _recipient_text(r: Recipient) -> str:
    """Art. 30(1)(d): a recipient, its role and country (and its Art. 28 contract)."""
    text = f"{r.category or r.name} ({KIND_FR[r.kind.value]}, {r.country})"
    if r.contract_reference:
        text += f" : {r.contract_reference}"
    return text


def _transfers(
    p: Purpose, issues: list[RegisterIssue], at: datetime | None = None
) -> tuple[list[str], list[str]]:
    """Art. 30(1)(e): third countries and their safeguards; a recipient outside the EEA
    without a declared transfer is an error."""
    third = sorted(
        {t.country for t in p.transfers}
        | {r.country for r in p.recipients if r.country not in EEA_STATES}
    )
    transfers = []
    for t in p.transfers:
        text = f"{t.country} : {MECHANISM_FR[t.mechanism.value]} (art. {t.mechanism.article})"
        if t.reference:
            text += f", {t.reference}"
        transfers.append(text)
    for t in p.transfers:  # Art. 44-49: the ground must hold at the register's date
        if at is not None and not t.in_force(at):
            issues.append(
                RegisterIssue(
                    IssueLevel.ERROR,
                    "30(1)(e)",
                    p.id,
                    f"le transfert vers {t.country} n'a pas de fondement au {at:%Y-%m-%d} "
                    "(décision d'adéquation ou garantie hors de sa période de validité)",
                )
            )
    declared = {t.country for t in p.transfers}
    for country in (c for c in third if c not in declared):
        issues.append(
            RegisterIssue(
                IssueLevel.ERROR,
                "30(1)(e)",
                p.id,
                f"destinataire situé hors de l'EEE ({country}) sans transfert déclaré ni garantie",
            )
        )
    return third, transfers
