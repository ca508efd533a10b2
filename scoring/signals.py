"""What judging tells the apps above it. They connect their receivers in their AppConfig.ready()."""

from django.dispatch import Signal

# A venue was signed off by its panel leader or an organiser (inside the sign-off's transaction).
# Arguments: venue, by. The results app starts a computation of the edition.
venue_signed_off = Signal()
