"""Every model has a factory that builds a valid row."""

import factory
import pytest
from django.apps import apps

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
