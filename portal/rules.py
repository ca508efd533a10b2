"""Role predicates shared by every app's rules. Object-level rules live in each app's rules.py."""

import rules


@rules.predicate
def is_organiser(user):
    return bool(user and user.is_authenticated and user.is_organiser)


@rules.predicate
def is_enterprise_user(user):
    return bool(user and user.is_authenticated and user.is_enterprise_user and user.enterprise_id)


@rules.predicate
def is_approved_enterprise_user(user):
    return bool(is_enterprise_user(user) and user.enterprise.is_approved)


@rules.predicate
def is_judge(user):
    return bool(user and user.is_authenticated and user.is_judge)


@rules.predicate
def is_recommender(user):
    return bool(user and user.is_authenticated and user.is_recommender and user.recommending_unit_id)


rules.add_perm("portal.view_profile", rules.is_authenticated)
