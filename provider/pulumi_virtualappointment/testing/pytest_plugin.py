"""The pytest fixture ``graph_sandbox``: a :class:`~pulumi_virtualappointment.testing.Sandbox` per test.

Installed with the package as a pytest plugin, so a user's test needs only the fixture::

    def test_my_program(graph_sandbox):
        graph_sandbox.up("infra/__main__.py")
        assert graph_sandbox.up("infra/__main__.py").requests == []   # unchanged: nothing sent
"""

from __future__ import annotations

from typing import Any, Iterator

import pytest


@pytest.fixture
def graph_sandbox(tmp_path: Any) -> Iterator[Any]:
    """An emulator and the engine stand-in, with state under the test's ``tmp_path``."""
    from ._sandbox import Sandbox  # imported here: pytest loads this plugin in every session

    with Sandbox(tmp_path) as sandbox:
        yield sandbox
