"""Every model has a factory that builds a valid row."""

import hashlib

import factory
import pytest
from django.apps import apps
from django.core.files.base import ContentFile

from tests import factories

FACTORIES = {
    cls._meta.model: cls
    for cls in vars(factories).values()
    if isinstance(cls, type) and issubclass(cls, factory.django.DjangoModelFactory) and cls._meta.model
}
MODELS = [
    model for app in ("portal", "events", "submissions", "scoring") for model in apps.get_app_config(app).get_models()
]


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
def test_every_model_has_a_factory_that_saves_a_row(db, model):
    assert model in FACTORIES, f"add a factory for {model.__name__} to tests/factories.py"
    row = FACTORIES[model]()
    assert model.objects.filter(pk=row.pk).exists()


def test_an_entry_file_s_size_and_digest_are_those_of_its_bytes(db):
    default = factories.EntryFileFactory()
    other = factories.EntryFileFactory(file=ContentFile(b"%PDF-1.7\nother\n%%EOF\n", name="other.pdf"))

    with default.file.open("rb") as handle:
        assert (default.size, handle.read()) == (15, factories.REPORT_PDF)
    assert default.sha256 == "14bcd090baf31edba64e9cbd8cdfc15f943344aa72cb3675ad8e91bfcbce03ad"
    assert (other.size, other.sha256) == (21, hashlib.sha256(b"%PDF-1.7\nother\n%%EOF\n").hexdigest())
