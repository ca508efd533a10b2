import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """Every recommendingunit has its association now (backfilled in 0005_associations)."""

    dependencies = [("submissions", "0005_associations")]

    operations = [
        migrations.AlterField(
            model_name="recommendingunit",
            name="association",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="units",
                to="events.association",
                verbose_name="association",
            ),
        ),
    ]
