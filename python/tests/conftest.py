import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


@pytest.fixture
def repo():
    return REPO


@pytest.fixture
def tensorboard_python():
    """The python of the pinned-TensorBoard venv (tests/tensorboard/setup_venv.sh),
    passed by scripts/test.sh. Required when TBCONFUSION_TENSORBOARD=1, as
    for the Rust conformance tests; otherwise a test needing it skips."""
    path = os.environ.get("TBCONFUSION_TB_PYTHON")
    if path:
        return path
    if os.environ.get("TBCONFUSION_TENSORBOARD") == "1":
        pytest.fail("TBCONFUSION_TENSORBOARD=1 but TBCONFUSION_TB_PYTHON is not set")
    pytest.skip("no TensorBoard venv (set TBCONFUSION_TB_PYTHON)")
