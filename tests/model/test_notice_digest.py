"""The material digest's canonical form is pinned: stored consents must never drift.

A consent records the digest of each purpose as the notice shown described it (Art.
7(1), 4(11)). If the digest of an unchanged purpose changed (say, because a converter
hook changed), every stored consent would silently turn into "renewal required".
"""

from __future__ import annotations

import json
from typing import Any

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import given

from gdprcrm.examples.lumiere import declarations
from gdprcrm.model import MATERIAL_ATTRIBUTES, Purpose, material_digest
from gdprcrm.serialization import unstructure
from gdprcrm.testing import strategies as gst

GOLDEN = {
    # Changed on purpose after 0.2: the example's prospecting declares its audience
    # (professionals) and channels (e-mail, calls); legitimate interests, so no consent
    # depends on it. The consent-based newsletter declares no channel: unchanged.
    "prospecting": "bd3f224f8e4b62bc273f11c1ab190d86d3d2e4c95dc2e67ca41eced3347b4933",
    "customer-relationship": "b974c06f2ceaa4ada8bb548cfb138162a70a912cc47a9052a82d10b2baeb8e8d",
    # Changed on purpose in 0.2: the example's invoicing keeps its data ten years from the
    # close of the financial year of collection (a material change of its retention; a
    # legal-obligation purpose, so no consent depends on it).
    "invoicing": "34f80dea7e359d56a247074e2c2be5d03e3097f3e4db1d86134e2f9602acebb2",
    "newsletter": "186a5fb91524839ead2193347e02aba9eb06b3b91c522c9650e8e214c2547471",
    "after-sales": "eaea2820094e9d87f696ff007d901dce5eb11b6d8b1109a01f0a7117c9657fca",
}
"""Digests of the example's purposes as released in 0.1 (computed then through cattrs)."""


def test_the_example_purposes_keep_their_released_digests() -> None:
    got = {p.id: material_digest(p) for p in declarations().purposes if p.id in GOLDEN}
    assert got == GOLDEN


def test_no_model_module_imports_serialization() -> None:
    # DESIGN.md: the model never imports serialization (the old cycle model/notice.py ->
    # serialization -> model is gone, and the digest cannot depend on converter hooks).
    import ast
    from pathlib import Path

    import gdprcrm.model

    offenders = []
    for path in Path(gdprcrm.model.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            offenders += [f"{path.name}: {n}" for n in names if "serialization" in n]
    assert offenders == []


@given(gst.purposes())
def test_the_hand_written_form_equals_the_released_converter_form(purpose: Purpose) -> None:
    # The 0.1 digests were cattrs output; the hand-written form reproduces it exactly,
    # so every consent stored by 0.1 still matches.
    import hashlib

    def without_translations(value: Any) -> Any:
        # 0.1 had no translations (wording) nor transfer windows (checked at each
        # instant by decide()), and neither is material: the converter form of 0.1 is
        # today's without them.
        if isinstance(value, dict):
            if set(value) == {"month", "day"}:  # a financial year end: written "MM-DD"
                return f"{value['month']:02d}-{value['day']:02d}"
            return {
                k: without_translations(v)
                for k, v in value.items()
                if k not in ("translations", "valid_from", "valid_until")
                and not (k == "financial_year_end" and v is None)
            }
        if isinstance(value, list):
            return [without_translations(v) for v in value]
        return value

    data = without_translations(unstructure(purpose))
    # Marketing attributes (channels, audience, sector, existing customers) came
    # later: absent from the form when left at their defaults.
    defaults: dict[str, Any] = {"channels": [], "audience": "consumer", "sector": None}
    defaults["existing_customers"] = False
    material = {
        key: data[key]
        for key in MATERIAL_ATTRIBUTES
        if key not in defaults or data[key] != defaults[key]
    }
    material["id"] = purpose.id
    blob = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert material_digest(purpose) == hashlib.sha256(blob.encode()).hexdigest()


def test_a_material_change_changes_the_digest_and_a_name_does_not() -> None:
    purpose = declarations().purpose("newsletter")
    renamed = attrs.evolve(purpose, name="Lettre d'information", description="autre texte")
    longer = attrs.evolve(
        purpose, retention=attrs.evolve(purpose.retention, period=relativedelta(years=5))
    )
    assert material_digest(renamed) == material_digest(purpose)
    assert material_digest(longer) != material_digest(purpose)
