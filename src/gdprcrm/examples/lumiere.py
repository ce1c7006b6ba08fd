"""A realistic French example: Atelier Lumière, a small lamp maker in Lyon with a CRM.

Prospects met at trade fairs, customers, invoicing, a newsletter, after-sales support.
Retention follows the CNIL reference framework « gestion des activités commerciales »
(2021) and the Code de commerce; see docs/gdpr/ for the mapping to the articles.
"""

from __future__ import annotations

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta

from gdprcrm.model import (
    DEFAULT_TAXONOMY,
    AnchorEvent,
    Contact,
    ControllerInfo,
    Declarations,
    FieldSpec,
    LegalBasis,
    Lookup,
    NoticeVersion,
    Provenance,
    Provision,
    Purpose,
    Recipient,
    RecipientKind,
    RetentionAction,
    RetentionRule,
    SupervisoryAuthority,
    Transfer,
    TransferMechanism,
)

__all__ = [
    "ACCOUNTANT",
    "ADDRESS",
    "CLICKS",
    "COMPANY",
    "CONTROLLER",
    "EMAIL",
    "FIELDS",
    "HELPDESK",
    "INVOICES",
    "MAILER",
    "NAME",
    "NOTICE_V1_PUBLISHED",
    "ORDERS",
    "PHONE",
    "PURPOSES",
    "TICKETS",
    "declarations",
]

_T = DEFAULT_TAXONOMY

CONTROLLER = ControllerInfo(
    id="atelier-lumiere",
    name="Atelier Lumière SARL",
    registration="RCS Lyon 912 345 678",
    contact=Contact(
        "Service clients",
        email="contact@atelier-lumiere.example",
        address="12 rue des Lanternes, 69002 Lyon, France",
    ),
    dpo=Contact("Délégué à la protection des données", email="dpo@atelier-lumiere.example"),
    supervisory_authority=SupervisoryAuthority(
        "Commission nationale de l'informatique et des libertés (CNIL)",
        "https://www.cnil.fr/fr/plaintes",
        "3 place de Fontenoy, TSA 80715, 75334 Paris Cedex 07",
    ),
    establishment="FR",
    legal_timezone="Europe/Paris",
    privacy_policy_url="https://atelier-lumiere.example/confidentialite",
)

EMAIL = FieldSpec("email", _T["contact.email"], lookup=Lookup.EMAIL)
NAME = FieldSpec("name", _T["identity.name"])
PHONE = FieldSpec("phone", _T["contact.phone"], lookup=Lookup.PHONE)
ADDRESS = FieldSpec("postal_address", _T["contact.postal_address"])
COMPANY = FieldSpec("company", _T["professional.employer"])
ORDERS = FieldSpec("orders", _T["commercial.purchase_history"])
INVOICES = FieldSpec("invoices", _T["financial.invoice"])
TICKETS = FieldSpec("support_tickets", _T["commercial.support_ticket"])
CLICKS = FieldSpec("newsletter_clicks", _T["online.browsing"], provenance=Provenance.OBSERVED)
FIELDS = (EMAIL, NAME, PHONE, ADDRESS, COMPANY, ORDERS, INVOICES, TICKETS, CLICKS)

MAILER = Recipient(
    "brevo-like-mailer",
    "Emailing service provider",
    RecipientKind.PROCESSOR,
    country="FR",
    contract_reference="DPA signed 2025-09-01 (Art. 28 clauses)",
    category="emailing provider",
)
ACCOUNTANT = Recipient(
    "cabinet-comptable",
    "Chartered accountant",
    RecipientKind.CONTROLLER,
    country="FR",
    category="chartered accountant",
)
HELPDESK = Recipient(
    "helpdesk-saas",
    "Help-desk software provider",
    RecipientKind.PROCESSOR,
    country="US",
    contract_reference="DPA + SCC module 2, 2025-06-15",
    category="help-desk software",
)

PURPOSES = (
    Purpose(
        id="prospecting",
        name="Prospection commerciale B2B",
        description="Contacting professionals met at trade fairs about our lamps.",
        basis=LegalBasis.LEGITIMATE_INTERESTS,
        legitimate_interests="developing our business with professional buyers",
        lia_reference="AIL-2025-01 (legitimate-interest assessment)",
        fields=(EMAIL, NAME, PHONE, COMPANY),
        # CNIL: 3 years from collection or the last contact coming from the prospect.
        retention=RetentionRule(
            relativedelta(years=3), AnchorEvent.LAST_CONTACT_FROM_SUBJECT, RetentionAction.REVIEW
        ),
        direct_marketing=True,
        recipients=(MAILER,),
        subject_categories=frozenset({"prospects"}),
    ),
    Purpose(
        id="customer-relationship",
        name="Gestion de la relation client",
        description="Taking and delivering orders, managing the customer account.",
        basis=LegalBasis.CONTRACT,
        fields=(EMAIL, NAME, PHONE, ADDRESS, ORDERS),
        # CNIL: the relationship, then a restricted archive for proof (5-year limitation).
        retention=RetentionRule(relativedelta(years=5), AnchorEvent.END_OF_RELATIONSHIP),
        provision=Provision.CONTRACT_PREREQUISITE,
        provision_consequences="without these details we cannot deliver your order",
        subject_categories=frozenset({"customers"}),
    ),
    Purpose(
        id="invoicing",
        name="Facturation et comptabilité",
        description="Issuing invoices and keeping the accounts the law requires.",
        basis=LegalBasis.LEGAL_OBLIGATION,
        fields=(NAME, ADDRESS, INVOICES),
        retention=RetentionRule(
            relativedelta(years=10),
            AnchorEvent.COLLECTION,
            RetentionAction.ERASE,
            legal_reference="Code de commerce, art. L123-22",
        ),
        recipients=(ACCOUNTANT,),
        provision=Provision.STATUTORY,
        provision_consequences="invoices are required by law for every sale",
        subject_categories=frozenset({"customers"}),
    ),
    Purpose(
        id="newsletter",
        name="Lettre d'information",
        description="A monthly email about new lamps and workshop events.",
        basis=LegalBasis.CONSENT,
        fields=(EMAIL, NAME, CLICKS),
        retention=RetentionRule(relativedelta(years=3), AnchorEvent.LAST_CONTACT_FROM_SUBJECT),
        direct_marketing=True,
        recipients=(MAILER,),
        subject_categories=frozenset({"customers", "prospects"}),
    ),
    Purpose(
        id="after-sales",
        name="Service après-vente",
        description="Handling repairs, returns and warranty requests.",
        basis=LegalBasis.CONTRACT,
        fields=(EMAIL, NAME, PHONE, ORDERS, TICKETS),
        retention=RetentionRule(relativedelta(years=5), AnchorEvent.END_OF_RELATIONSHIP),
        recipients=(HELPDESK,),
        transfers=(
            Transfer(
                "US",
                TransferMechanism.SCC,
                "SCC (Commission decision 2021/914), copy on request from the DPO",
                recipient_id="helpdesk-saas",
            ),
        ),
        compatible_with=frozenset({"customer-relationship"}),
        subject_categories=frozenset({"customers"}),
    ),
)

NOTICE_V1_PUBLISHED = datetime(2025, 9, 1, tzinfo=UTC)


def declarations() -> Declarations:
    """The example's declarations, with notice "2025-09" describing every purpose."""
    return Declarations(
        controller=CONTROLLER,
        fields=FIELDS,
        purposes=PURPOSES,
        notices=(NoticeVersion.describing("2025-09", NOTICE_V1_PUBLISHED, PURPOSES),),
    )
