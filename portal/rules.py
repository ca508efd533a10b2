"""Role predicates shared by every app's rules: the role alone. Predicates that need the user's enterprise or
recommending unit live with the membership, in submissions.rules. Object-level rules live in each app's rules.py."""

import rules


@rules.predicate
def is_organiser(user):
    return bool(user and user.is_authenticated and user.is_organiser)


@rules.predicate
def is_judge(user):
    return bool(user and user.is_authenticated and user.is_judge)


rules.add_perm("portal.view_profile", rules.is_authenticated)
