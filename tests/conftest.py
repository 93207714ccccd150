from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"      # outputs of the authors' code (see fixtures/SOURCE.md)
