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
from dateutil.relativedelta import relativedelta

from gdprcrm.model import (
    EEA_STATES,
    CnilGroup,
    Contact,
    Declarations,
    Purpose,
    Recipient,
    RecordKind,
    format_period,
)
from gdprcrm.model._checks import check_aware

__all__ = [
    "CATEGORY_LABELS_FR",
    "DEFAULT_SECURITY_MEASURES",
    "Activity",
    "IssueLevel",
    "Register",
    "RegisterIssue",
    "build_register",
    "category_fr",
    "period_fr",
    "record_period_fr",
]

DEFAULT_SECURITY_MEASURES = (
    "Chiffrement des données personnelles au repos, une clé par personne (AES-256-GCM)",
    "Effacement par destruction de la clé (crypto-shredding), certificat signé",
    "Journal d'audit chaîné et vérifiable, sans donnée personnelle",
    "Contrôle d'accès et séparation des clés et des données",
    "Sauvegardes ; neutralisation des clés détruites à chaque restauration",
)
"""What gdprcrm itself provides (Art. 32); add the host's own measures."""

_GROUP_LABELS = {
    CnilGroup.CIVIL_STATUS: "État civil, identité, données d'identification",
    CnilGroup.PERSONAL_LIFE: "Vie personnelle",
    CnilGroup.PROFESSIONAL_LIFE: "Vie professionnelle",
    CnilGroup.ECONOMIC_FINANCIAL: "Informations d'ordre économique et financier",
    CnilGroup.CONNECTION: "Données de connexion",
    CnilGroup.LOCATION: "Données de localisation",
    CnilGroup.INTERNET: "Internet (cookies, traceurs)",
    CnilGroup.SENSITIVE: "Données sensibles (art. 9 et 10)",
}


CATEGORY_LABELS_FR = {
    "identity.name": "Nom, prénom",
    "identity.title": "Civilité",
    "identity.birth_date": "Date de naissance",
    "identity.customer_number": "Numéro client",
    "contact.email": "Adresse électronique",
    "contact.phone": "Numéro de téléphone",
    "contact.postal_address": "Adresse postale",
    "personal.preferences": "Préférences et centres d'intérêt",
    "personal.household": "Composition du foyer",
    "professional.job_title": "Fonction",
    "professional.employer": "Entreprise, employeur",
    "financial.bank_account": "Coordonnées bancaires (IBAN)",
    "financial.payment_card": "Carte de paiement",
    "financial.invoice": "Factures et paiements",
    "commercial.purchase_history": "Historique des achats",
    "commercial.support_ticket": "Demandes au service après-vente",
    "commercial.interaction": "Échanges commerciaux",
    "online.ip_address": "Adresse IP",
    "online.login": "Données de connexion",
    "online.cookie_id": "Identifiants de cookies et traceurs",
    "online.browsing": "Navigation et clics",
    "location.precise": "Localisation précise",
    "location.approximate": "Localisation approximative",
    "special.racial_ethnic_origin": "Origine raciale ou ethnique",
    "special.political_opinions": "Opinions politiques",
    "special.religious_beliefs": "Convictions religieuses ou philosophiques",
    "special.trade_union": "Appartenance syndicale",
    "special.genetic": "Données génétiques",
    "special.biometric": "Données biométriques d'identification",
    "special.health": "Données de santé",
    "special.sex_life": "Vie sexuelle",
    "special.sexual_orientation": "Orientation sexuelle",
    "criminal.convictions": "Condamnations et infractions",
}
"""French labels of the default taxonomy (a custom category keeps its own label)."""

_KIND_FR = {
    "processor": "sous-traitant",
    "controller": "responsable de traitement distinct",
    "joint-controller": "responsable conjoint",
    "public-authority": "autorité publique",
    "internal": "service interne",
}


def category_fr(key: str, label: str) -> str:
    return CATEGORY_LABELS_FR.get(key, label)


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


@attrs.frozen
class Register:
    """The controller's register, with the issues found while building it."""

    controller: tuple[tuple[str, str], ...]  # (a)
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

    def to_dict(self) -> dict[str, object]:
        return {
            "type": "gdprcrm.article-30-register",
            "updated_at": self.updated_at.isoformat(),
            "controller": dict(self.controller),
            "activities": [
                {
                    "purpose_id": a.purpose_id,
                    "name": a.name,
                    "purpose": a.purpose,
                    "legal_basis": a.legal_basis,
                    "subject_categories": list(a.subject_categories),
                    "data_categories": {g: list(c) for g, c in a.data_categories},
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
        """One row per activity (the columns of the CNIL model register)."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
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
        lines += [f"- {label} : {value}" for label, value in self.controller]
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


_BASIS_FR = {
    "consent": "consentement (art. 6(1)(a))",
    "contract": "exécution d'un contrat (art. 6(1)(b))",
    "legal-obligation": "obligation légale (art. 6(1)(c))",
    "vital-interests": "intérêts vitaux (art. 6(1)(d))",
    "public-task": "mission d'intérêt public (art. 6(1)(e))",
    "legitimate-interests": "intérêt légitime (art. 6(1)(f))",
}

_ANCHOR_FR = {
    "collection": "à compter de la collecte",
    "last-contact": "à compter du dernier contact émanant de la personne",
    "end-of-relationship": "à compter de la fin de la relation",
    "consent-withdrawal": "à compter du retrait du consentement",
    "last-activity": "à compter de la dernière activité",
}

_ACTION_FR = {
    "erase": "puis effacement",
    "anonymise": "puis anonymisation",
    "review": "puis réexamen",
}


_RECORD_ANCHOR_FR = {
    "record-date": "à compter de sa date",
    "financial-year-end": "à compter de la clôture de l'exercice",
}


def record_period_fr(kind: RecordKind) -> str:
    """A record kind's retention in plain French ("10 ans à compter de la clôture ...")."""
    text = _duration_fr(kind.retention.period)
    text += " " + _RECORD_ANCHOR_FR[kind.retention.anchor.value] + ", puis effacement"
    if kind.retention.legal_reference:
        text += f" ({kind.retention.legal_reference})"
    return text


def _duration_fr(p: relativedelta) -> str:
    parts = []
    if p.years:
        parts.append(f"{p.years} an{'s' if p.years > 1 else ''}")
    if p.months:
        parts.append(f"{p.months} mois")
    if p.days:
        parts.append(f"{p.days} jour{'s' if p.days > 1 else ''}")
    return " et ".join(parts) if parts else format_period(p)


def period_fr(purpose: Purpose) -> str:
    """A retention rule in plain French: "3 ans à compter de ..., puis effacement"."""
    text = _duration_fr(purpose.retention.period)
    text += " " + _ANCHOR_FR[purpose.retention.anchor.value]
    text += ", " + _ACTION_FR[purpose.retention.action.value]
    if purpose.retention.legal_reference:
        text += f" ({purpose.retention.legal_reference})"
    return text


def _contact(label: str, c: Contact) -> tuple[str, str]:
    parts = [c.name] + [x for x in (c.email, c.phone, c.address) if x]
    return (label, ", ".join(parts))


def build_register(
    decl: Declarations,
    *,
    updated_at: datetime,
    security_measures: Sequence[str] = DEFAULT_SECURITY_MEASURES,
) -> Register:
    """The Art. 30(1) register of ``decl``; ``issues`` lists what is missing."""
    updated_at = check_aware(updated_at, "build_register(updated_at)")
    issues: list[RegisterIssue] = []
    controller = _controller_block(decl, issues)  # 30(1)(a)
    activities = [
        _activity(p, security_measures, issues, [k for k in decl.records if p.id in k.purposes])
        for p in decl.purposes
    ]
    return Register(tuple(controller), updated_at, tuple(activities), tuple(issues))


def _controller_block(decl: Declarations, issues: list[RegisterIssue]) -> list[tuple[str, str]]:
    """Art. 30(1)(a): controller, DPO, representative, joint controllers."""
    info = decl.controller
    controller = [
        (
            "Responsable du traitement",
            info.name + (f" ({info.registration})" if info.registration else ""),
        ),
        _contact("Contact", info.contact),
    ]
    if info.dpo is not None:
        controller.append(_contact("Délégué à la protection des données", info.dpo))
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
        controller.append(_contact("Représentant (art. 27)", info.representative))
    controller += [_contact("Responsable conjoint", c) for c in info.joint_controllers]
    return controller


def _activity(
    p: Purpose,
    security_measures: Sequence[str],
    issues: list[RegisterIssue],
    kinds: Sequence[RecordKind] = (),
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
    groups = {_GROUP_LABELS[g]: by_group[g] for g in CnilGroup if g in by_group}
    third, transfers = _transfers(p, issues)
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
        legal_basis=_BASIS_FR[p.basis.value],
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
    text = f"{r.category or r.name} ({_KIND_FR[r.kind.value]}, {r.country})"
    if r.contract_reference:
        text += f" : {r.contract_reference}"
    return text


def _transfers(p: Purpose, issues: list[RegisterIssue]) -> tuple[list[str], list[str]]:
    """Art. 30(1)(e): third countries and their safeguards; a recipient outside the EEA
    without a declared transfer is an error."""
    third = sorted(
        {t.country for t in p.transfers}
        | {r.country for r in p.recipients if r.country not in EEA_STATES}
    )
    transfers = []
    for t in p.transfers:
        text = f"{t.country} : {t.mechanism.value} (art. {t.mechanism.article})"
        if t.reference:
            text += f", {t.reference}"
        transfers.append(text)
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
