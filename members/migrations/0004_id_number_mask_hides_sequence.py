"""Masked ID numbers lose digits 15–16 (``370181********1234`` → ``370181**********34``).

The old mask beside the birth date that the API returned was the full number. The new mask is made
from the old one (no key needed); the history copies are re-masked too, without new history events
(pgtrigger's ignore setting covers this transaction only).
"""
from django.db import migrations

REMASK = """
SELECT set_config('pgtrigger.ignore',
    '{members_partymember:pgtrigger_update_update_24ce5,pgtrigger_update_update_24ce5}', true);
UPDATE members_partymember SET id_number_masked = left(id_number_masked, 6) || '**********' || right(id_number_masked, 2)
 WHERE id_number_masked LIKE '%********____';
UPDATE members_partymemberevent SET id_number_masked = left(id_number_masked, 6) || '**********' || right(id_number_masked, 2)
 WHERE id_number_masked LIKE '%********____';
"""


class Migration(migrations.Migration):
    dependencies = [("members", "0003_pii_key_version")]

    operations = [migrations.RunSQL(REMASK, migrations.RunSQL.noop)]
