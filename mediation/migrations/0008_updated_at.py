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
        ('mediation', '0007_archivable_rooms_officers'),
        ('villages', '0007_updated_at'),
        ('visits', '0006_visit_follow_up_open_index'),
        ('zones', '0003_updated_at'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='dutyofficer',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='dutyshift',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='followup',
            name='update_update',
        ),
        pgtrigger.migrations.RemoveTrigger(
            model_name='mediationroom',
            name='update_update',
        ),
        migrations.AddField(
            model_name='dutyofficer',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='dutyshift',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='followup',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddField(
            model_name='mediationroom',
            name='updated_at',
            field=models.DateTimeField(auto_now=True, db_default=django.db.models.functions.datetime.Now(), verbose_name='更新时间'),
        ),
        migrations.AddIndex(
            model_name='dutyofficer',
            index=models.Index(fields=['updated_at', 'id'], name='duty_officer_updated'),
        ),
        migrations.AddIndex(
            model_name='dutyshift',
            index=models.Index(fields=['updated_at', 'id'], name='duty_shift_updated'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(fields=['updated_at', 'id'], name='follow_up_updated'),
        ),
        migrations.AddIndex(
            model_name='mediationroom',
            index=models.Index(fields=['updated_at', 'zone'], name='room_updated'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='disputecase',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='a36ddd0d75d81d31f5a9451308a607b6697f03dc', operation='UPDATE', pgid='pgtrigger_touch_updated_at_e573a', table='mediation_disputecase', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutyofficer',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='1c14fd2c28ffb463fe39702b3705f303944ad262', operation='UPDATE', pgid='pgtrigger_touch_updated_at_dae68', table='mediation_dutyofficer', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutyofficer',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."active" IS DISTINCT FROM (NEW."active") OR OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."committee_member_id" IS DISTINCT FROM (NEW."committee_member_id") OR OLD."dates_off" IS DISTINCT FROM (NEW."dates_off") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."kind" IS DISTINCT FROM (NEW."kind") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."room_id" IS DISTINCT FROM (NEW."room_id") OR OLD."rotation_order" IS DISTINCT FROM (NEW."rotation_order") OR OLD."user_id" IS DISTINCT FROM (NEW."user_id") OR OLD."village_cadre_id" IS DISTINCT FROM (NEW."village_cadre_id") OR OLD."weekdays_off" IS DISTINCT FROM (NEW."weekdays_off"))', func='INSERT INTO "mediation_dutyofficerevent" ("active", "archived_at", "committee_member_id", "dates_off", "id", "kind", "name", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "room_id", "rotation_order", "user_id", "village_cadre_id", "weekdays_off") VALUES (NEW."active", NEW."archived_at", NEW."committee_member_id", NEW."dates_off", NEW."id", NEW."kind", NEW."name", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."room_id", NEW."rotation_order", NEW."user_id", NEW."village_cadre_id", NEW."weekdays_off"); RETURN NULL;', hash='e2d5e6050f44ced45e8364043b2f0b444c6361ed', operation='UPDATE', pgid='pgtrigger_update_update_75174', table='mediation_dutyofficer', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutyshift',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='8ba8317ada3f486308de701f60dd15bd413d15b2', operation='UPDATE', pgid='pgtrigger_touch_updated_at_74930', table='mediation_dutyshift', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='dutyshift',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."date" IS DISTINCT FROM (NEW."date") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."note" IS DISTINCT FROM (NEW."note") OR OLD."officer_id" IS DISTINCT FROM (NEW."officer_id") OR OLD."room_id" IS DISTINCT FROM (NEW."room_id") OR OLD."slot" IS DISTINCT FROM (NEW."slot"))', func='INSERT INTO "mediation_dutyshiftevent" ("date", "id", "note", "officer_id", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "room_id", "slot") VALUES (NEW."date", NEW."id", NEW."note", NEW."officer_id", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."room_id", NEW."slot"); RETURN NULL;', hash='076afe71db6b1106213d11e0d3d9577b7a80e40e', operation='UPDATE', pgid='pgtrigger_update_update_1a80f', table='mediation_dutyshift', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='followup',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='f61e308030af75067d27dda79a0f90daf322583b', operation='UPDATE', pgid='pgtrigger_touch_updated_at_40504', table='mediation_followup', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='followup',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."agreement_performed" IS DISTINCT FROM (NEW."agreement_performed") OR OLD."case_id" IS DISTINCT FROM (NEW."case_id") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."done_on" IS DISTINCT FROM (NEW."done_on") OR OLD."due_date" IS DISTINCT FROM (NEW."due_date") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."method" IS DISTINCT FROM (NEW."method") OR OLD."note" IS DISTINCT FROM (NEW."note") OR OLD."satisfaction" IS DISTINCT FROM (NEW."satisfaction") OR OLD."sequence" IS DISTINCT FROM (NEW."sequence") OR OLD."visitor_id" IS DISTINCT FROM (NEW."visitor_id"))', func='INSERT INTO "mediation_followupevent" ("agreement_performed", "case_id", "created_at", "done_on", "due_date", "id", "method", "note", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "satisfaction", "sequence", "visitor_id") VALUES (NEW."agreement_performed", NEW."case_id", NEW."created_at", NEW."done_on", NEW."due_date", NEW."id", NEW."method", NEW."note", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."id", NEW."satisfaction", NEW."sequence", NEW."visitor_id"); RETURN NULL;', hash='907501ce70d92b2d27e18f194a6e96dcc3a75232', operation='UPDATE', pgid='pgtrigger_update_update_181c3', table='mediation_followup', when='AFTER')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='mediationroom',
            trigger=pgtrigger.compiler.Trigger(name='touch_updated_at', sql=pgtrigger.compiler.UpsertTriggerSql(func='NEW.updated_at = now(); RETURN NEW;', hash='6130fc601a63e84235561bb98b933076b3c3641b', operation='UPDATE', pgid='pgtrigger_touch_updated_at_a630e', table='mediation_mediationroom', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='mediationroom',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."archived_at" IS DISTINCT FROM (NEW."archived_at") OR OLD."created_at" IS DISTINCT FROM (NEW."created_at") OR OLD."legal_advisers" IS DISTINCT FROM (NEW."legal_advisers") OR OLD."name" IS DISTINCT FROM (NEW."name") OR OLD."open_weekdays" IS DISTINCT FROM (NEW."open_weekdays") OR OLD."opening_hours" IS DISTINCT FROM (NEW."opening_hours") OR OLD."phone" IS DISTINCT FROM (NEW."phone") OR OLD."place" IS DISTINCT FROM (NEW."place") OR OLD."shifts_per_day" IS DISTINCT FROM (NEW."shifts_per_day") OR OLD."volunteers" IS DISTINCT FROM (NEW."volunteers") OR OLD."zone_id" IS DISTINCT FROM (NEW."zone_id"))', func='INSERT INTO "mediation_mediationroomevent" ("archived_at", "created_at", "legal_advisers", "name", "open_weekdays", "opening_hours", "pgh_context", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "phone", "place", "shifts_per_day", "volunteers", "zone_id") VALUES (NEW."archived_at", NEW."created_at", NEW."legal_advisers", NEW."name", NEW."open_weekdays", NEW."opening_hours", COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_metadata\', TRUE), \'\'), NULL)::JSONB, COALESCE(NULLIF(CURRENT_SETTING(\'pghistory.context_id\', TRUE), \'\'), NULL)::UUID, NOW(), \'update\', NEW."zone_id", NEW."phone", NEW."place", NEW."shifts_per_day", NEW."volunteers", NEW."zone_id"); RETURN NULL;', hash='940ae88c75b63f39c3278108cb527701bd7ff0a3', operation='UPDATE', pgid='pgtrigger_update_update_68f0b', table='mediation_mediationroom', when='AFTER')),
        ),
    ]
