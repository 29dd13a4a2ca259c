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
        ('villages', '0007_updated_at'),
        ('zones', '0002_archivable_town_zone'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='committeemember',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='partyinstructor',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='sunkcadreposting',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='town',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='workzone',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='zoneoffice',
            name='update_update',
        ),
        migrations.AddField(
            model_name='committeemember',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='partyinstructor',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='sunkcadreposting',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='town',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='workzone',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='zoneoffice',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddIndex(
            model_name='committeemember',
            index=models.Index(fields=['updated_at', 'id'], name='committee_member_updated'),
        ),
        migrations.AddIndex(
            model_name='partyinstructor',
            index=models.Index(fields=['updated_at', 'id'], name='instructor_updated'),
        ),
        migrations.AddIndex(
            model_name='sunkcadreposting',
            index=models.Index(fields=['updated_at', 'id'], name='cadre_posting_updated'),
        ),
        migrations.AddIndex(
            model_name='town',
            index=models.Index(fields=['updated_at', 'id'], name='town_updated'),
        ),
        migrations.AddIndex(
            model_name='workzone',
            index=models.Index(fields=['updated_at', 'id'], name='zone_updated'),
        ),
        migrations.AddIndex(
            model_name='zoneoffice',
            index=models.Index(fields=['updated_at', 'id'], name='zone_office_updated'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='committeemember',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='e7cb4d21d649ef90a42089cabfaeacf8fe1f7d6c', operation='UPDATE', pgid='pgtrigger_touch_updated_at_f79f7', table='zones_committeemember', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='committeemember',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."organisation" IS DISTINCT FROM (NEW."organisation") OR OLD."origin" IS DISTINCT FROM (NEW."origin") OR OLD."role" IS DISTINCT FROM (NEW."role") OR OLD."user_id" IS DISTINCT FROM (NEW."user_id") OR OLD."zone_id" IS DISTINCT FROM (NEW."zone_id"))', func='INSERT INTO "zones_committeememberevent" ("id", "name", "organisation", "origin", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "role", "user_id", "zone_id") VALUES (NEW."id", NEW."name", NEW."organisation", NEW."origin", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."role", NEW."user_id", NEW."zone_id"); RETURN NULL;', hash='0f01acba3d5757e2a3d5d0d00c4bd936402e974e', operation='UPDATE', pgid='pgtrigger_update_update_733a1', table='zones_committeemember', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='partyinstructor',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='d7f7377129e8cee1b514d9172b7b54f30871ceea', operation='UPDATE', pgid='pgtrigger_touch_updated_at_63e12', table='zones_partyinstructor', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='partyinstructor',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."cadre_id" IS DISTINCT FROM (NEW."cadre_id") OR OLD."days_per_week" IS DISTINCT FROM (NEW."days_per_week") OR OLD."end_date" IS DISTINCT FROM (NEW."end_date") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."start_date" IS DISTINCT FROM (NEW."start_date") OR OLD."village_id" IS DISTINCT FROM (NEW."village_id"))', func='INSERT INTO "zones_partyinstructorevent" ("cadre_id", "days_per_week", "end_date", "id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "start_date", "village_id") VALUES (NEW."cadre_id", NEW."days_per_week", NEW."end_date", NEW."id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."start_date", NEW."village_id"); RETURN NULL;', hash='8ce2b6b346cf61b49749731e0340a82e3483500d', operation='UPDATE', pgid='pgtrigger_update_update_2dd3e', table='zones_partyinstructor', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sunkcadreposting',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='e23b94fbe3ec315a8449250d186b32a224712197', operation='UPDATE', pgid='pgtrigger_touch_updated_at_8cecf', table='zones_sunkcadreposting', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='sunkcadreposting',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."end_date" IS DISTINCT FROM (NEW."end_date") OR OLD."home_unit" IS DISTINCT FROM (NEW."home_unit") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."office_id" IS DISTINCT FROM (NEW."office_id") OR OLD."start_date" IS DISTINCT FROM (NEW."start_date") OR OLD."zone_id" IS DISTINCT FROM (NEW."zone_id"))', func='INSERT INTO "zones_sunkcadrepostingevent" ("end_date", "home_unit", "id", "name", "office_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "start_date", "zone_id") VALUES (NEW."end_date", NEW."home_unit", NEW."id", NEW."name", NEW."office_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."start_date", NEW."zone_id"); RETURN NULL;', hash='0cb7c7345cac7662c9619552335e322ac11043cc', operation='UPDATE', pgid='pgtrigger_update_update_009c2', table='zones_sunkcadreposting', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='town',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='947a0add75e8910fbfdaf0f352e3cf24461d796e', operation='UPDATE', pgid='pgtrigger_touch_updated_at_ec92f', table='zones_town', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='town',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."code" IS DISTINCT FROM (NEW."code") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."name_pinyin" IS DISTINCT FROM (NEW."name_pinyin"))', func='INSERT INTO "zones_townevent" ("archived_at", "code", "id", "name", "name_pinyin", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."archived_at", NEW."code", NEW."id", NEW."name", NEW."name_pinyin", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id"); RETURN NULL;', hash='dc52f023d2e8b8ee1013a52e84dfb23f9a5e91c6', operation='UPDATE', pgid='pgtrigger_update_update_f9df9', table='zones_town', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='workzone',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='0243946dd82a142645070427c871c58cb6826b22', operation='UPDATE', pgid='pgtrigger_touch_updated_at_35b89', table='zones_workzone', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='workzone',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."brand" IS DISTINCT FROM (NEW."brand") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."name_pinyin" IS DISTINCT FROM (NEW."name_pinyin") OR OLD."town_id" IS DISTINCT FROM (NEW."town_id"))', func='INSERT INTO "zones_workzoneevent" ("archived_at", "brand", "id", "name", "name_pinyin", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "town_id") VALUES (NEW."archived_at", NEW."brand", NEW."id", NEW."name", NEW."name_pinyin", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."town_id"); RETURN NULL;', hash='120c256fbf931a7186f98c5681d1b8e823deadee', operation='UPDATE', pgid='pgtrigger_update_update_e7375', table='zones_workzone', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='zoneoffice',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='b6cadd5f1912a08248133d6d19898437b54a4c5d', operation='UPDATE', pgid='pgtrigger_touch_updated_at_5c31e', table='zones_zoneoffice', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='zoneoffice',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."duties" IS DISTINCT FROM (NEW."duties") OR OLD."head_name" IS DISTINCT FROM (NEW."head_name") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."zone_id" IS DISTINCT FROM (NEW."zone_id"))', func='INSERT INTO "zones_zoneofficeevent" ("duties", "head_name", "id", "kind", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "zone_id") VALUES (NEW."duties", NEW."head_name", NEW."id", NEW."kind", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."zone_id"); RETURN NULL;', hash='b36b7c309c6cee9b7d79afa0b120364fb32faae5', operation='UPDATE', pgid='pgtrigger_update_update_5302c', table='zones_zoneoffice', when='AFTER')),
        ),
    ]
