"""The results app's answers to what the apps below it announce."""

from django.dispatch import receiver
from django.utils.translation import gettext as _

from results.runs import start_run
from scoring.signals import venue_signed_off


@receiver(venue_signed_off, dispatch_uid="results.compute_on_sign_off")
def compute_on_sign_off(sender, *, venue, by, **kwargs):
    """Recompute the edition's results once the sign-off is committed."""
    start_run(
        edition=venue.edition,
        by=by,
        after_sign_off=True,
        reason=_("%(venue)s signed off by %(name)s") % {"venue": venue.name, "name": by.get_full_name()},
    )
