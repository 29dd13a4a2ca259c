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
        ('members', '0005_branch_archivable'),
        ('villages', '0007_updated_at'),
        ('zones', '0003_updated_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='householdlink',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='partybranch',
            name='update_update',
        ),
        migrations.AddField(
            model_name='householdlink',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='partybranch',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='partymember',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddIndex(
            model_name='partybranch',
            index=models.Index(fields=['updated_at', 'id'], name='branch_updated'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='householdlink',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='172b7b105dfe501e140a31abaaa68b002087226a', operation='UPDATE', pgid='pgtrigger_touch_updated_at_f9953', table='members_householdlink', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='householdlink',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."household_id" IS DISTINCT FROM (NEW."household_id") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."linked_on" IS DISTINCT FROM (NEW."linked_on") OR OLD."member_id" IS DISTINCT FROM (NEW."member_id"))', func='INSERT INTO "members_householdlinkevent" ("household_id", "id", "linked_on", "member_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id") VALUES (NEW."household_id", NEW."id", NEW."linked_on", NEW."member_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id"); RETURN NULL;', hash='5b1988680b7092b1790dadbe239c6f6baf01c648', operation='UPDATE', pgid='pgtrigger_update_update_83b04', table='members_householdlink', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='partybranch',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='5bf5b2e68bea587c51520f24ea99e222136da1fe', operation='UPDATE', pgid='pgtrigger_touch_updated_at_f2cc7', table='members_partybranch', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='partybranch',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."town_id" IS DISTINCT FROM (NEW."town_id") OR OLD."village_id" IS DISTINCT FROM (NEW."village_id") OR OLD."zone_id" IS DISTINCT FROM (NEW."zone_id"))', func='INSERT INTO "members_partybranchevent" ("archived_at", "id", "kind", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "town_id", "village_id", "zone_id") VALUES (NEW."archived_at", NEW."id", NEW."kind", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."town_id", NEW."village_id", NEW."zone_id"); RETURN NULL;', hash='0190f3403a9ceeb0f162a9f11b932a2ff3899096', operation='UPDATE', pgid='pgtrigger_update_update_e902f', table='members_partybranch', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='partymember',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='f3976560bd0086a2585b2fa55ed87c92f04fc507', operation='UPDATE', pgid='pgtrigger_touch_updated_at_72e47', table='members_partymember', when='BEFORE')),
        ),
    ]
