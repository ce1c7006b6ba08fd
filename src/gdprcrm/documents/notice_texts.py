"""The wording of the privacy notice (Art. 13, 14), in French and English: data only."""

from __future__ import annotations

from typing import Any

from gdprcrm.model import Purpose, RecordKind, format_period

__all__ = ["TEXTS", "period_en", "record_period_en"]

TEXTS: dict[str, dict[str, Any]] = {
    "fr": {
        "title": "Politique de confidentialité — {}",
        "version": "Version {}",
        "updated": "Mise à jour le {:%d/%m/%Y}.",
        "post_mortem": (
            "Vous pouvez définir des directives relatives à la conservation, à l'effacement "
            "et à la communication de vos données après votre décès (article 85 de la loi "
            "n° 78-17 du 6 janvier 1978 « Informatique et Libertés »)."
        ),
        "controller": "Qui est responsable de vos données ?",
        "controller_text": "Le responsable du traitement est {}.",
        "contact": "Pour toute question : {}.",
        "representative": "Notre représentant dans l'Union : {}.",
        "dpo": "Notre délégué à la protection des données",
        "dpo_text": "Vous pouvez joindre notre délégué à la protection des données : {}.",
        "purposes": "Pourquoi utilisons-nous vos données, et sur quelle base ?",
        "li": "Nos intérêts légitimes",
        "li_item": "- {} : {}.",
        "recipients": "Qui reçoit vos données ?",
        "none": "Aucun.",
        "transfers": "Vos données quittent-elles l'Union européenne ?",
        "transfer_item": "- {} : destination {} ({}, art. {} du RGPD). {}",
        "retention": "Combien de temps gardons-nous vos données ?",
        "rights": "Quels sont vos droits ?",
        "rights_all": (
            "Vous pouvez à tout moment accéder à vos données (art. 15), les faire rectifier "
            "(art. 16) et demander la limitation de leur traitement (art. 18)."
        ),
        "rights_how": (
            "Pour exercer vos droits, écrivez à {}. Nous répondons dans un délai d'un mois, "
            "prolongeable de deux mois pour les demandes complexes (art. 12(3))."
        ),
        "withdrawal": "Retirer votre consentement",
        "withdrawal_text": (
            "Vous pouvez retirer votre consentement à tout moment, aussi simplement que vous "
            "l'avez donné (lien de désabonnement, espace client ou simple message à {}). Le "
            "retrait ne remet pas en cause le traitement effectué avant celui-ci."
        ),
        "complaint": "Réclamation",
        "complaint_text": (
            "Si vous estimez que vos droits ne sont pas respectés, vous pouvez introduire une "
            "réclamation auprès de l'autorité de contrôle : {} ({})."
        ),
        "provision": "Êtes-vous obligé de nous fournir ces données ?",
        "automated": "Décisions automatisées",
        "automated_item": "- {} : {} Conséquences pour vous : {}. {}",
        "no_automated": (
            "Nous ne prenons aucune décision fondée exclusivement sur un traitement automatisé "
            "produisant des effets juridiques vous concernant ou vous affectant de manière "
            "significative (art. 22)."
        ),
        "mechanisms": {
            "adequacy": "décision d'adéquation",
            "scc": "clauses contractuelles types",
            "bcr": "règles d'entreprise contraignantes",
            "code-of-conduct": "code de conduite",
            "certification": "certification",
            "derogation": "dérogation",
        },
        "countries": {
            "FR": "France",
            "DE": "Allemagne",
            "IE": "Irlande",
            "NL": "Pays-Bas",
            "BE": "Belgique",
            "ES": "Espagne",
            "IT": "Italie",
            "US": "États-Unis",
            "GB": "Royaume-Uni",
            "CH": "Suisse",
            "CA": "Canada",
            "JP": "Japon",
            "IN": "Inde",
            "MA": "Maroc",
            "TN": "Tunisie",
            "CN": "Chine",
            "BR": "Brésil",
        },
        "categories": "Quelles données avons-nous sur vous ?",
        "source": "D'où viennent vos données ?",
        "source_text": (
            "Lorsque nous n'avons pas obtenu vos données auprès de vous, nous vous indiquons "
            "leur source lors de notre premier contact, et au plus tard dans le mois qui suit "
            "leur obtention (art. 14(3))."
        ),
        "public": "source accessible au public",
        "not_public": "source non accessible au public",
        "basis": {
            "consent": "votre consentement (art. 6(1)(a))",
            "contract": "l'exécution du contrat qui nous lie (art. 6(1)(b))",
            "legal-obligation": "une obligation légale (art. 6(1)(c))",
            "vital-interests": "la sauvegarde d'intérêts vitaux (art. 6(1)(d))",
            "public-task": "une mission d'intérêt public (art. 6(1)(e))",
            "legitimate-interests": "notre intérêt légitime (art. 6(1)(f))",
        },
        "purpose_item": "- {} : {} Base légale : {}.",
        "purpose_channels": " Nous vous contactons par : {}.",
        "purpose_customers": (
            " Ces offres portent sur des produits ou services analogues à ceux que vous "
            "avez achetés ; vous pouvez vous y opposer gratuitement dès maintenant et "
            "dans chaque message (art. L34-5 du CPCE)."
        ),
        "channel_names": {
            "email": "e-mail",
            "sms": "SMS",
            "phone-call": "téléphone",
            "automated-call": "appel automatisé",
            "fax": "télécopie",
            "post": "courrier",
        },
        "right_item": "- {} : {}.",
        "provision_item": "- {} : {}{}.",
        "provision_kind": {
            "statutory": "obligatoire (exigence légale)",
            "contractual": "obligatoire (exigence contractuelle)",
            "contract-prerequisite": "nécessaire à la conclusion du contrat",
            "voluntary": "facultatif",
        },
        "rights_names": {
            "erasure": "Effacement (art. 17)",
            "portability": "Portabilité (art. 20)",
            "objection": "Opposition (art. 21)",
        },
        "direct_marketing": (
            "Vous pouvez vous opposer à tout moment, sans motif, à la prospection "
            "commerciale, y compris au profilage qui y est lié (art. 21(2) et (3))."
        ),
    },
    "en": {
        "title": "Privacy notice — {}",
        "version": "Version {}",
        "updated": "Last updated {:%d %B %Y}.",
        "post_mortem": (
            "You may set directives on the retention, erasure and communication of your "
            "data after your death (article 85 of French law no. 78-17 of 6 January 1978, "
            "« Informatique et Libertés »)."
        ),
        "controller": "Who is responsible for your data?",
        "controller_text": "The controller is {}.",
        "contact": "For any question: {}.",
        "representative": "Our representative in the Union: {}.",
        "dpo": "Our data protection officer",
        "dpo_text": "You can reach our data protection officer: {}.",
        "purposes": "Why do we use your data, and on what basis?",
        "li": "Our legitimate interests",
        "li_item": "- {}: {}.",
        "recipients": "Who receives your data?",
        "none": "Nobody.",
        "transfers": "Does your data leave the European Union?",
        "transfer_item": "- {}: to {} ({}, Art. {} GDPR). {}",
        "retention": "How long do we keep your data?",
        "rights": "What are your rights?",
        "rights_all": (
            "You may at any time access your data (Art. 15), have it rectified (Art. 16) and "
            "ask for its processing to be restricted (Art. 18)."
        ),
        "rights_how": (
            "To exercise your rights, write to {}. We answer within one month, which may be "
            "extended by two months for complex requests (Art. 12(3))."
        ),
        "withdrawal": "Withdrawing your consent",
        "withdrawal_text": (
            "You may withdraw your consent at any time, as easily as you gave it (unsubscribe "
            "link, customer account or a message to {}). Withdrawal does not affect the "
            "processing carried out before it."
        ),
        "complaint": "Complaints",
        "complaint_text": (
            "If you believe your rights are not respected, you may lodge a complaint with the "
            "supervisory authority: {} ({})."
        ),
        "provision": "Must you provide this data?",
        "automated": "Automated decisions",
        "automated_item": "- {}: {} Consequences for you: {}. {}",
        "no_automated": (
            "We take no decision based solely on automated processing that produces legal "
            "effects concerning you or similarly significantly affects you (Art. 22)."
        ),
        "mechanisms": {
            "adequacy": "adequacy decision",
            "scc": "standard contractual clauses",
            "bcr": "binding corporate rules",
            "code-of-conduct": "code of conduct",
            "certification": "certification",
            "derogation": "derogation",
        },
        "countries": {
            "FR": "France",
            "DE": "Germany",
            "IE": "Ireland",
            "NL": "the Netherlands",
            "BE": "Belgium",
            "ES": "Spain",
            "IT": "Italy",
            "US": "the United States",
            "GB": "the United Kingdom",
            "CH": "Switzerland",
            "CA": "Canada",
            "JP": "Japan",
            "IN": "India",
            "MA": "Morocco",
            "TN": "Tunisia",
            "CN": "China",
            "BR": "Brazil",
        },
        "categories": "What data do we hold about you?",
        "source": "Where does your data come from?",
        "source_text": (
            "When we did not obtain your data from you, we tell you its source when we first "
            "contact you, and at the latest within one month of obtaining it (Art. 14(3))."
        ),
        "public": "a publicly accessible source",
        "not_public": "not a publicly accessible source",
        "basis": {
            "consent": "your consent (Art. 6(1)(a))",
            "contract": "the performance of our contract (Art. 6(1)(b))",
            "legal-obligation": "a legal obligation (Art. 6(1)(c))",
            "vital-interests": "the protection of vital interests (Art. 6(1)(d))",
            "public-task": "a task in the public interest (Art. 6(1)(e))",
            "legitimate-interests": "our legitimate interests (Art. 6(1)(f))",
        },
        "purpose_item": "- {}: {} Legal basis: {}.",
        "purpose_channels": " We contact you by: {}.",
        "purpose_customers": (
            " These offers are about products or services like those you bought; you may "
            "object free of charge now and in every message (French CPCE art. L34-5)."
        ),
        "channel_names": {
            "email": "e-mail",
            "sms": "SMS",
            "phone-call": "telephone",
            "automated-call": "automated call",
            "fax": "fax",
            "post": "post",
        },
        "right_item": "- {}: {}.",
        "provision_item": "- {}: {}{}.",
        "provision_kind": {
            "statutory": "required by law",
            "contractual": "required by the contract",
            "contract-prerequisite": "needed to enter into the contract",
            "voluntary": "optional",
        },
        "rights_names": {
            "erasure": "Erasure (Art. 17)",
            "portability": "Portability (Art. 20)",
            "objection": "Objection (Art. 21)",
        },
        "direct_marketing": (
            "You may object at any time, without giving reasons, to direct marketing, "
            "including the profiling related to it (Art. 21(2) and (3))."
        ),
    },
}

_ANCHOR_EN = {
    "collection": "from collection",
    "last-contact": "from your last contact with us",
    "end-of-relationship": "from the end of our relationship",
    "consent-withdrawal": "from the withdrawal of your consent",
    "last-activity": "from your last activity",
}
_FY_ANCHOR_EN = {  # the close of the financial year in which the event falls
    "collection": "from the close of the financial year of collection",
    "last-contact": "from the close of the financial year of your last contact with us",
    "end-of-relationship": "from the close of the financial year in which our relationship ended",
    "consent-withdrawal": "from the close of the financial year of your withdrawal",
    "last-activity": "from the close of the financial year of your last activity",
}  # fmt: skip
_ACTION_EN = {"erase": "then erased", "anonymise": "then anonymised", "review": "then reviewed"}


_RECORD_ANCHOR_EN = {
    "record-date": "from its date",
    "financial-year-end": "from the close of the financial year",
}


def record_period_en(kind: RecordKind) -> str:
    """A record kind's retention in plain English."""
    d = kind.retention.period
    parts = [
        f"{n} {unit}{'s' if n > 1 else ''}"
        for n, unit in ((d.years, "year"), (d.months, "month"), (d.days, "day"))
        if n
    ]
    text = " and ".join(parts) if parts else format_period(d)
    text += " " + _RECORD_ANCHOR_EN[kind.retention.anchor.value] + ", then erased"
    if kind.retention.legal_reference:
        text += f" ({kind.retention.legal_reference})"
    return text


def period_en(p: Purpose) -> str:
    d = p.retention.period
    parts = [
        f"{n} {unit}{'s' if n > 1 else ''}"
        for n, unit in ((d.years, "year"), (d.months, "month"), (d.days, "day"))
        if n
    ]
    text = " and ".join(parts) if parts else format_period(d)
    anchors = _FY_ANCHOR_EN if p.retention.financial_year_end else _ANCHOR_EN
    text += " " + anchors[p.retention.anchor.value]
    text += ", " + _ACTION_EN[p.retention.action.value]
    if p.retention.legal_reference:
        text += f" ({p.retention.legal_reference})"
    return text
