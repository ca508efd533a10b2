
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('events', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='action',
            field=models.CharField(choices=[('results_requested', 'Computation of the results requested'), ('results_computed', 'Results computed'), ('results_failed', 'Computation of the results failed'), ('results_cancelled', 'Computation of the results cancelled'), ('rules_changed', 'Grade rules or scoring rules changed'), ('published', 'Results published'), ('rubric_switched', 'Rubric switched on a category with score sheets'), ('recusal_declared', 'Recusal declared by an organiser'), ('recusal_lifted', 'Recusal lifted')], max_length=30, verbose_name='action'),
        ),
    ]
