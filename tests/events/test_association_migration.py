"""The migration that brings associations to an installation made before them: its editions, organisers, judges
and recommending units all end up in one association, and nothing is lost."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("events", "0007_category_share_comments"),
    ("submissions", "0004_entries15_withdrawn_and_deadline_extensions"),
]
AFTER = [("events", "0009_association_required"), ("submissions", "0006_association_required")]


@pytest.mark.django_db(transaction=True)
def test_an_installation_without_associations_gets_one_with_everything_in_it():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    User = old.get_model("portal", "User")
    Edition = old.get_model("events", "Edition")
    Unit = old.get_model("submissions", "RecommendingUnit")
    User.objects.create(email="boss@assoc.example", full_name="管理员", role="organiser", is_staff=True)
    organiser = User.objects.create(email="org@assoc.example", full_name="组织者", role="organiser")
    User.objects.create(email="judge@assoc.example", full_name="评委", role="judge")
    clerk = User.objects.create(email="clerk@firm.example", full_name="企业用户", role="enterprise")
    hosts = "\n中国机械工业质量管理协会\n其他"  # the first host named is the association
    edition = Edition.objects.create(name="第40次交流活动", number=40, year=2021, hosts=hosts)
    edition.organisers.add(organiser)
    unit = Unit.objects.create(name="浙江省质量协会")

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Association = new.get_model("events", "Association")
    association = Association.objects.get()
    assert (association.slug, association.name) == ("main", "中国机械工业质量管理协会")
    assert new.get_model("events", "Edition").objects.get(pk=edition.pk).association_id == association.pk
    assert new.get_model("submissions", "RecommendingUnit").objects.get(pk=unit.pk).association_id == association.pk
    members = new.get_model("events", "AssociationMember").objects.order_by("user__email")
    assert [(m.user.email, m.role) for m in members] == [
        ("boss@assoc.example", "administrator"),
        ("org@assoc.example", "organiser"),
    ]
    assert list(association.judges.values_list("email", flat=True)) == ["judge@assoc.example"]
    assert clerk.email not in association.judges.values_list("email", flat=True)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
