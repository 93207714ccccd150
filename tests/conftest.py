import os
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
DATA = SHARED / "data"
REFERENCE = SHARED / "reference"

@pytest.fixture
def shared_data():
    if not DATA.is_dir(): pytest.skip("../shared/data is not beside this checkout")
    return DATA
