"""Shared fixtures and the hypothesis profile of the test suite."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

from game.engine import EconomyParams
from game.packs import load_economy

# "ci": derandomized (the same examples every run), no per-example deadline (the first example
# pays for numpy warm-up), and few enough examples that the property tests stay within a minute
# on 2 cores. "dev" digs deeper with fresh examples each run:
#     HYPOTHESIS_PROFILE=dev .venv/bin/python -m pytest tests
settings.register_profile(
    "ci",
    deadline=None,
    max_examples=25,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("dev", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def params() -> EconomyParams:
    """The default scenario ("ipo-window") of the base pack, loaded once per session."""
    return load_economy()


@pytest.fixture(autouse=True)
def _crash_logs_in_a_temporary_folder(tmp_path_factory, monkeypatch) -> None:
    """A crash in a test writes its log where the test can find it, never in the user's folder."""
    monkeypatch.setenv("FRONTIER_LAB_LOGS", str(tmp_path_factory.mktemp("logs")))


@pytest.fixture(autouse=True)
def _no_mods_but_the_tests_own(tmp_path_factory, monkeypatch) -> None:
    """The player's mods folder and $FRONTIER_LAB_PACKS never reach a test: an empty mods
    folder of its own, unless the test sets one."""
    monkeypatch.setenv("FRONTIER_LAB_MODS", str(tmp_path_factory.mktemp("mods")))
    monkeypatch.delenv("FRONTIER_LAB_PACKS", raising=False)
