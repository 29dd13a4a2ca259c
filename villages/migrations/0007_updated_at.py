"""updated_at on every listed row, kept by the database (core.triggers.touch_updated_at: BEFORE UPDATE, now()).

The new columns are added with a database default (Django's Now(): statement_timestamp(), a stable function):
PostgreSQL stores the migration's time once for the existing rows, without rewriting the table. Their trackers leave
updated_at out (the update triggers are rebuilt on the tracked fields), so a touch alone records no audit event.
Indexes on the large tables are built concurrently by the next migration (core.migrations_policy); the small
tables' here.
"""

import django.db.models.functions.datetime
import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('villages', '0006_archivable'),
        ('zones', '0002_archivable_town_zone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='microgrid',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='naturalvillage',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='village',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='villagecadre',
            name='update_update',
        ),
        migrations.AddField(
            model_name='microgrid',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='naturalvillage',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='village',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='villagecadre',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddIndex(
            model_name='microgrid',
            index=models.Index(fields=['updated_at', 'id'], name='grid_updated'),
        ),
        migrations.AddIndex(
            model_name='naturalvillage',
            index=models.Index(fields=['updated_at', 'id'], name='natural_village_updated'),
        ),
        migrations.AddIndex(
            model_name='village',
            index=models.Index(fields=['updated_at', 'id'], name='village_updated'),
        ),
        migrations.AddIndex(
            model_name='villagecadre',
            index=models.Index(fields=['updated_at', 'id'], name='village_cadre_updated'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='household',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='b05ce00b12f0fd4a9348f912df7fc0f0866e8f74', operation='UPDATE', pgid='pgtrigger_touch_updated_at_08b9f', table='villages_household', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='microgrid',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='b907afed2811088ce681795ac42b37c155b03d2d', operation='UPDATE', pgid='pgtrigger_touch_updated_at_5a8c9', table='villages_microgrid', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='microgrid',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."natural_village_id" IS DISTINCT FROM (NEW."natural_village_id") OR OLD."village_id" IS DISTINCT FROM (NEW."village_id") OR OLD."worker_name" IS DISTINCT FROM (NEW."worker_name") OR OLD."worker_user_id" IS DISTINCT FROM (NEW."worker_user_id"))', func='INSERT INTO "villages_microgridevent" ("archived_at", "id", "name", "natural_village_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "village_id", "worker_name", "worker_user_id") VALUES (NEW."archived_at", NEW."id", NEW."name", NEW."natural_village_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."village_id", NEW."worker_name", NEW."worker_user_id"); RETURN NULL;', hash='4f7350f653ab21c27e7e12ec52948e8cb9b8b257', operation='UPDATE', pgid='pgtrigger_update_update_ade12', table='villages_microgrid', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='naturalvillage',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='14893357c8db4d4a0793264640f88371b63c1f1b', operation='UPDATE', pgid='pgtrigger_touch_updated_at_2e423', table='villages_naturalvillage', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='naturalvillage',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."name_pinyin" IS DISTINCT FROM (NEW."name_pinyin") OR OLD."village_id" IS DISTINCT FROM (NEW."village_id"))', func='INSERT INTO "villages_naturalvillageevent" ("archived_at", "id", "name", "name_pinyin", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "village_id") VALUES (NEW."archived_at", NEW."id", NEW."name", NEW."name_pinyin", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."village_id"); RETURN NULL;', hash='50437ed968311fc7bd54af89d043023390bb3e8e', operation='UPDATE', pgid='pgtrigger_update_update_bec05', table='villages_naturalvillage', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='village',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='fcd9de2da0aada0b62ecef9083036dbc00ecedcd', operation='UPDATE', pgid='pgtrigger_touch_updated_at_e49c2', table='villages_village', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='village',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."name_pinyin" IS DISTINCT FROM (NEW."name_pinyin") OR OLD."zone_id" IS DISTINCT FROM (NEW."zone_id"))', func='INSERT INTO "villages_villageevent" ("archived_at", "id", "kind", "name", "name_pinyin", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "zone_id") VALUES (NEW."archived_at", NEW."id", NEW."kind", NEW."name", NEW."name_pinyin", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."zone_id"); RETURN NULL;', hash='f28f5bd7b9bc6b4c731829cc8d60c655d4228a04', operation='UPDATE', pgid='pgtrigger_update_update_e387a', table='villages_village', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='villagecadre',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='d8e846970095ec07311fa963a051def3fc51a0a3', operation='UPDATE', pgid='pgtrigger_touch_updated_at_7f432', table='villages_villagecadre', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='villagecadre',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."role" IS DISTINCT FROM (NEW."role") OR OLD."start_date" IS DISTINCT FROM (NEW."start_date") OR OLD."user_id" IS DISTINCT FROM (NEW."user_id") OR OLD."village_id" IS DISTINCT FROM (NEW."village_id"))', func='INSERT INTO "villages_villagecadreevent" ("archived_at", "id", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "start_date", "user_id", "village_id") VALUES (NEW."archived_at", NEW."id", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."role", NEW."start_date", NEW."user_id", NEW."village_id"); RETURN NULL;', hash='599a5e2026d109180e127705f3ce23bb7e1410d0', operation='UPDATE', pgid='pgtrigger_update_update_7425e', table='villages_villagecadre', when='AFTER')),
        ),
    ]
