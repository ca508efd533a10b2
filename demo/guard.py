"""The demo writes only into a database of its own: empty, or holding nothing but what the demo made.

"Real data" is any user whose e-mail address is not on one of the demo's domains (load_demo's @demo.qc,
seed_scale's @scale.qc), any edition none of whose organisers is such a user, and any enterprise that is neither
one of load_demo's nor one of seed_scale's (by their credit codes, demo_credit_codes). A production database
always holds one of these (at least the administrator's account), so the demo commands refuse it.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from demo import scores
from demo.entries import ENTERPRISES
from demo.scale import CREDIT_CODE_PREFIX
from events.models import Edition
from submissions.models import Enterprise
from submissions.validators import example_credit_code

DEMO_EMAIL_DOMAINS = ("@demo.qc", "@scale.qc")


def demo_users():
    demo = Q()
    for domain in DEMO_EMAIL_DOMAINS:
        demo |= Q(email__iendswith=domain)
    return get_user_model().objects.filter(demo)


def demo_credit_codes() -> list[str]:
    """The credit codes of load_demo's enterprises: those it names and those of the scored demo (demo.scores);
    seed_scale's carry demo.scale.CREDIT_CODE_PREFIX."""
    return [example_credit_code(n) for n in range(1, len(ENTERPRISES) + 1)] + scores.credit_codes()


def real_data() -> str:
    """What the database holds that the demo did not make, in a few words ("" when nothing)."""
    user = get_user_model().objects.exclude(pk__in=demo_users().values("pk")).order_by("pk").first()
    if user is not None:
        return _("the account %(email)s") % {"email": user.email}
    edition = Edition.objects.exclude(organisers__in=demo_users()).order_by("pk").first()
    if edition is not None:
        return _("the edition %(name)s (%(year)s)") % {"name": edition.name, "year": edition.year}
    enterprise = (
        Enterprise.objects.exclude(credit_code__in=demo_credit_codes())
        .exclude(credit_code__startswith=CREDIT_CODE_PREFIX)
        .order_by("pk")
        .first()
    )
    if enterprise is not None:
        return _("the enterprise %(name)s") % {"name": enterprise.name}
    return ""


def refuse_real_data(command: str) -> None:
    """Stop a demo command (CommandError: a message and a non-zero exit) unless the database holds no real data."""
    found = real_data()
    if found:
        raise CommandError(
            _(
                "%(command)s writes demo data only into an empty database or one holding nothing but demo data, "
                "and this one holds real data (%(found)s). Use a database of its own."
            )
            % {"command": command, "found": found}
        )
