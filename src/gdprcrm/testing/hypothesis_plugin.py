"""gdprcrm's Hypothesis plugin (entry point ``hypothesis``): ``st.from_type`` for the model.

With ``gdprcrm[testing]`` installed, ``st.from_type(Purpose)``, ``st.from_type(Subject)``
and friends draw valid model objects from :mod:`gdprcrm.testing.strategies`.
"""

from __future__ import annotations

__all__ = ["_hypothesis_setup_hook"]


def _hypothesis_setup_hook() -> None:
    from hypothesis import strategies as st

    from gdprcrm import model
    from gdprcrm.testing import strategies as gst

    st.register_type_strategy(model.SubjectId, gst.subject_ids())
    st.register_type_strategy(model.DataCategory, gst.data_categories())
    st.register_type_strategy(model.FieldSpec, gst.field_specs())
    st.register_type_strategy(model.RetentionRule, gst.retention_rules())
    st.register_type_strategy(model.Recipient, gst.recipients())
    st.register_type_strategy(model.Transfer, gst.transfers())
    st.register_type_strategy(model.AutomatedDecision, gst.automated_decisions())
    st.register_type_strategy(model.Purpose, gst.purposes())
    st.register_type_strategy(model.ControllerInfo, gst.controller_infos())
    st.register_type_strategy(model.Declarations, gst.declarations())
    st.register_type_strategy(model.Subject, gst.subjects())
