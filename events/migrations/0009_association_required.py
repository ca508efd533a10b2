import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every edition has its association now (backfilled in 0008_associations)."""

    dependencies = [("events", "0008_associations")]

    operations = [
        migrations.AlterField(
            model_name="edition",
            name="association",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="editions",
                to="events.association",
                verbose_name="association",
            ),
        ),
    ]
