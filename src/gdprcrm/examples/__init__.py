"""Worked examples shipped with gdprcrm (used by the demo and the documentation)."""
