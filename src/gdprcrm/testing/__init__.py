"""Test support that gdprcrm ships for your own test suite.

* :class:`FrozenClock` - a clock that moves only when told to (no extra dependency);
* :func:`make_controller` - a whole Controller on in-memory storage, for tests;
* :mod:`gdprcrm.testing.strategies` - Hypothesis strategies for every model object and
  for whole consent timelines (needs the ``gdprcrm[testing]`` extra).

Importing this package does not import Hypothesis or pytest.
"""

from gdprcrm.testing.clock import T0, FrozenClock
from gdprcrm.testing.factory import make_controller

__all__ = ["T0", "FrozenClock", "make_controller"]
