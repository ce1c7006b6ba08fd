"""Test support that gdprcrm ships for your own test suite.

* :class:`FrozenClock` - a clock that moves only when told to (no extra dependency);
* :mod:`gdprcrm.testing.strategies` - Hypothesis strategies for every model object and
  for whole consent timelines (needs the ``gdprcrm[testing]`` extra).

Importing this package does not import Hypothesis or pytest.
"""

from gdprcrm.testing.clock import T0, FrozenClock

__all__ = ["T0", "FrozenClock"]
