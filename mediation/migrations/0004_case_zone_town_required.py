import django.db.models.deletion
from django.db import migrations, models

# A case's zone and town follow its village: whatever moves a village to another zone (zones.services.village_move
# updates with a queryset, so no signal would fire) or a zone to another town, the database moves its cases too.
FOLLOW_TRIGGERS = """
CREATE OR REPLACE FUNCTION mediation_case_follow_village() RETURNS trigger AS $$
BEGIN
    UPDATE mediation_disputecase
       SET zone_id = NEW.zone_id, town_id = (SELECT town_id FROM zones_workzone WHERE id = NEW.zone_id)
     WHERE village_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER mediation_case_follow_village AFTER UPDATE OF zone_id ON villages_village
    FOR EACH ROW WHEN (OLD.zone_id IS DISTINCT FROM NEW.zone_id) EXECUTE FUNCTION mediation_case_follow_village();

CREATE OR REPLACE FUNCTION mediation_case_follow_zone() RETURNS trigger AS $$
BEGIN
    UPDATE mediation_disputecase SET town_id = NEW.town_id WHERE zone_id = NEW.id;
    RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER mediation_case_follow_zone AFTER UPDATE OF town_id ON zones_workzone
    FOR EACH ROW WHEN (OLD.town_id IS DISTINCT FROM NEW.town_id) EXECUTE FUNCTION mediation_case_follow_zone();
"""

DROP_FOLLOW_TRIGGERS = """
DROP TRIGGER IF EXISTS mediation_case_follow_village ON villages_village;
DROP FUNCTION IF EXISTS mediation_case_follow_village();
DROP TRIGGER IF EXISTS mediation_case_follow_zone ON zones_workzone;
DROP FUNCTION IF EXISTS mediation_case_follow_zone();
"""


class Migration(migrations.Migration):
    """Zone and town become required once populated (0003), and follow their village from now on."""

    dependencies = [
        ('mediation', '0003_case_zone_town'),
    ]

    operations = [
        migrations.AlterField(
            model_name='disputecase',
            name='town',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='dispute_cases', to='zones.town', verbose_name='街道(镇)'),
        ),
        migrations.AlterField(
            model_name='disputecase',
            name='zone',
            field=models.ForeignKey(editable=False, on_delete=django.db.models.deletion.PROTECT, related_name='dispute_cases', to='zones.workzone', verbose_name='工作区'),
        ),
        migrations.AlterField(
            model_name='disputecaseevent',
            name='town',
            field=models.ForeignKey(db_constraint=False, editable=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='zones.town', verbose_name='街道(镇)'),
        ),
        migrations.AlterField(
            model_name='disputecaseevent',
            name='zone',
            field=models.ForeignKey(db_constraint=False, editable=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', related_query_name='+', to='zones.workzone', verbose_name='工作区'),
        ),
        migrations.RunSQL(FOLLOW_TRIGGERS, DROP_FOLLOW_TRIGGERS),
    ]
