import rules

from portal.rules import is_organiser

rules.add_perm("submissions.review_enterprise", is_organiser)
