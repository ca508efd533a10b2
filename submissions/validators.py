"""The unified social credit code (统一社会信用代码, GB 32100-2015) and its check digit."""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def normalise_credit_code(value: str) -> str:
    """The code as typed, in half-width capitals: full-width digits and letters (a CJK keyboard) read as half-width."""
    return unicodedata.normalize("NFKC", value or "").strip().upper()


def validate_credit_code(value: str) -> None:
    code = normalise_credit_code(value)
    if len(code) != 18:
        raise ValidationError(_("A unified social credit code has 18 characters."), code="length")
    if any(char not in CHARSET for char in code):
        raise ValidationError(
            _("A unified social credit code uses only digits and capital letters other than I, O, Z, S and V."),
            code="charset",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("The check character of this unified social credit code is wrong; please check the code."),
            code="check_digit",
        )


def example_credit_code(n: int, prefix: str = "91330100") -> str:
    """A valid, made-up credit code, different for every n (for demo data and tests)."""
    body = prefix + "".join(CHARSET[(n // 31**i) % 31] for i in range(17 - len(prefix)))[::-1]
    return body + credit_code_check_char(body)
