"""A realistic French example: Atelier Lumière, a small lamp maker in Lyon with a CRM.

Prospects met at trade fairs, customers, invoicing (10 years, Code de commerce
L123-22), a newsletter, after-sales support with a help-desk provider in the United
States. The declarations live in ``lumiere.toml`` beside this module (the one source
the demo, the register and the notice use); retention follows the CNIL reference
framework « gestion des activités commerciales » (2021).
"""

from __future__ import annotations

import functools
from importlib import resources
from importlib.abc import Traversable

from gdprcrm.config import parse_declarations
from gdprcrm.model import Declarations

__all__ = ["declarations", "toml_path"]


def toml_path() -> Traversable:
    """Where the example's TOML declarations are (inside the installed package)."""
    return resources.files("gdprcrm.examples").joinpath("lumiere.toml")


@functools.cache
def declarations() -> Declarations:
    """The example's declarations, with the current notice version."""
    import tomllib

    return parse_declarations(tomllib.loads(toml_path().read_text("utf-8")), source="lumiere.toml")
