"""Masked ID numbers of dispute parties lose digits 15–16, as members' do (see members 0004)."""
from django.db import migrations

REMASK = """
SELECT set_config('pgtrigger.ignore',
    '{mediation_disputeparty:pgtrigger_update_update_c87d4,pgtrigger_update_update_c87d4}', true);
UPDATE mediation_disputeparty SET id_number_masked = left(id_number_masked, 6) || '**********' || right(id_number_masked, 2)
 WHERE id_number_masked LIKE '%********____';
UPDATE mediation_disputepartyevent SET id_number_masked = left(id_number_masked, 6) || '**********' || right(id_number_masked, 2)
 WHERE id_number_masked LIKE '%********____';
"""


class Migration(migrations.Migration):
    dependencies = [("mediation", "0005_pii_key_version")]

    operations = [migrations.RunSQL(REMASK, migrations.RunSQL.noop)]
