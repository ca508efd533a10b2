import pytest
from django.core.exceptions import ValidationError

from submissions.validators import example_credit_code, normalise_credit_code, validate_credit_code


@pytest.mark.parametrize(
    "code",
    ["91330100799655058B", "9144030071526726XG", "914403001922038216", "91350100M000100Y43", "91350100m000100y43"],
)
def test_credit_code_accepts_real_codes(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("91330100799655058", "length"),
        ("91330100799655058BX", "length"),
        ("91330100799655058C", "check_digit"),
        ("9133010079965505IB", "charset"),
        ("91330100-99655058B", "charset"),
        ("", "length"),
    ],
)
def test_credit_code_refuses_wrong_codes(code, reason):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert error.value.code == reason


def test_example_credit_codes_are_valid_and_distinct():
    codes = {example_credit_code(n) for n in range(200)}
    assert len(codes) == 200
    for code in codes:
        validate_credit_code(code)


def test_normalise_credit_code_reads_full_width_characters_as_half_width():
    assert normalise_credit_code("\u3000９１３３０１００７９９６５５０５８ｂ ") == "91330100799655058B"
    validate_credit_code("９１３３０１００７９９６５５０５８Ｂ")
