"""Every async test under tests/actors runs on an autojump MockClock.

Virtual time makes back-off, timeouts and shutdown deadlines exact and
instant; no test here may wait on the real clock.
"""

from pathlib import Path

import pytest

from actors.testing import autojump_run

HERE = Path(__file__).parent


@pytest.hookimpl(trylast=True)  # after pytest-trio's trio_mode marked the items
def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.path).parents and item.get_closest_marker("trio") is not None:
            # In front, so pytest-trio finds this runner before its default one.
            item.add_marker(pytest.mark.trio(run=autojump_run), append=False)
