"""Shared test settings: hypothesis profiles and a deterministic seed per test."""

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

# ci: the same 25 examples per test on every run, so a red run is the code's doing and reproduces anywhere; the
# exploring is the long profile's job (MINIGRAD_HYPOTHESIS_PROFILE=long: 2000 fresh random examples per test)
settings.register_profile(
    "ci", max_examples=25, deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("MINIGRAD_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def rng():
    return np.random.default_rng(1234)
