"""The French wording of the register (and of receipts): labels of the CNIL groups and
categories, legal bases, recipient kinds, transfer mechanisms, retention periods."""

from __future__ import annotations

from dateutil.relativedelta import relativedelta

from gdprcrm.model import CnilGroup, Purpose, RecordKind, format_period

__all__ = [
    "BASIS_FR",
    "CATEGORY_LABELS_FR",
    "GROUP_IDS",
    "GROUP_LABELS",
    "KIND_FR",
    "MECHANISM_FR",
    "category_fr",
    "period_fr",
    "record_period_fr",
]

MECHANISM_FR = {
    "adequacy": "décision d'adéquation",
    "scc": "clauses contractuelles types",
    "bcr": "règles d'entreprise contraignantes",
    "code-of-conduct": "code de conduite",
    "certification": "certification",
    "derogation": "dérogation pour une situation particulière",
}

GROUP_LABELS = {
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

KIND_FR = {
    "processor": "sous-traitant",
    "controller": "responsable de traitement distinct",
    "joint-controller": "responsable conjoint",
    "public-authority": "autorité publique",
    "internal": "service interne",
}


GROUP_IDS = {label: group.value for group, label in GROUP_LABELS.items()}
"""A CNIL group's display label -> its stable id (the register's JSON keys)."""


def category_fr(key: str, label: str) -> str:
    return CATEGORY_LABELS_FR.get(key, label)


BASIS_FR = {
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

_FY = "à compter de la clôture de l'exercice"
_FY_ANCHOR_FR = {  # the close of the financial year in which the event falls
    "collection": f"{_FY} de la collecte",
    "last-contact": f"{_FY} du dernier contact émanant de la personne",
    "end-of-relationship": f"{_FY} au cours duquel la relation a pris fin",
    "consent-withdrawal": f"{_FY} du retrait du consentement",
    "last-activity": f"{_FY} de la dernière activité",
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
    anchors = _FY_ANCHOR_FR if purpose.retention.financial_year_end else _ANCHOR_FR
    text += " " + anchors[purpose.retention.anchor.value]
    text += ", " + _ACTION_FR[purpose.retention.action.value]
    if purpose.retention.legal_reference:
        text += f" ({purpose.retention.legal_reference})"
    return text
