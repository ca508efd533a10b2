"""docs/rules.md's worked examples are run against the results engine: their numbers are the portal's own."""

import doctest
from pathlib import Path

RULES = Path(__file__).resolve().parents[2] / "docs" / "rules.md"


def test_the_worked_examples_of_the_rules_give_the_engines_answers():
    failed, attempted = doctest.testfile(str(RULES), module_relative=False, report=True, verbose=False)
    assert attempted >= 15
    assert failed == 0
