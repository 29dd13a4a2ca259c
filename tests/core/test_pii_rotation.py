"""Key rotation of personal data: seeded under key A, rotated to [B, A], then readable with B alone."""
import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from core import pii
from core.checks import check_pii_keys, pii_key_problems
from core.models import PiiCanary
from core.services import pii_canary_ensure, pii_stale_count, rotation_targets
from members.models import PartyMember
from members.services import member_create
from tests import factories as f
from villages.models import Household

pytestmark = pytest.mark.django_db

KEY_A = "key-a-for-the-rotation-test-3f9c1d7e5b2a4c6e8f0a1b3d"
KEY_B = "key-b-for-the-rotation-test-8e6c4a2f0d1b3e5c7a9f2d4b"


@pytest.fixture
def under_key_a(settings):
    settings.PII_KEYS = [("a", KEY_A)]
    PiiCanary.objects.all().delete()  # the test database's own key is not part of this story
    pii_canary_ensure()
    members = [f.PartyMemberFactory(phone=f.make_phone(900 + i)) for i in range(5)]
    households = [f.HouseholdFactory(phone=f.make_phone(950 + i)) for i in range(7)]
    plain = {("m", m.pk): m.reveal() for m in members} | {("h", h.pk): h.reveal_phone() for h in households}
    return settings, plain


def _run(*args, **options) -> str:
    out = io.StringIO()
    call_command("pii_rotate", *args, stdout=out, **options)
    return out.getvalue()


def _assert_all_readable(plain):
    for (kind, pk), value in plain.items():
        if kind == "m":
            member = PartyMember.objects.get(pk=pk)
            assert member.reveal() == value
            assert PartyMember.objects.filter(pii.hash_q("id_number_hash", value["id_number"])).get() == member
            assert PartyMember.objects.filter(pii.hash_q("phone_hash", value["phone"])).get() == member
        else:
            household = Household.objects.get(pk=pk)
            assert household.reveal_phone() == value
            assert Household.objects.filter(pii.hash_q("phone_hash", value)).get() == household


def test_hashes_carry_the_key_id_and_lookups_find_rows_under_older_keys(under_key_a):
    settings, plain = under_key_a
    member = PartyMember.objects.first()
    assert member.id_number_hash.startswith("a:") and len(member.id_number_hash) == 66
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]
    assert pii.keyed_hash("13800000000").startswith("b:")
    _assert_all_readable(plain)  # nothing rotated yet: found and revealed under the older key


def test_uniqueness_holds_across_key_versions(under_key_a):
    settings, plain = under_key_a
    taken = PartyMember.objects.first().reveal()["id_number"]
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]
    with pytest.raises(ValidationError) as exc:
        member_create(branch=f.PartyBranchFactory(), name="张三", id_number=taken,
                      joined_on=datetime.date(2010, 7, 1))
    assert exc.value.message_dict["id_number"] == ["该身份证号已登记为其他党员。"]


def test_rotate_interrupted_then_resumed_then_old_key_removed(under_key_a):
    settings, plain = under_key_a
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]
    targets = {t.label: t for t in rotation_targets()}
    # the live tables and their audit copies (pghistory events) both hold protected data
    assert {"members.PartyMember.id_number", "villages.Household.phone", "mediation.DisputeParty.phone"} <= set(targets)
    assert any(label.startswith("members.PartyMemberEvent") for label in targets)
    stale_before = sum(pii_stale_count(t) for t in targets.values())
    assert stale_before >= 17  # 5 ID numbers, 5 + 7 phones, and their event copies

    first = _run("--batch-size", "2", "--limit", "5")
    assert "本次换用密钥 5 行" in first and "尚有" in first
    assert sum(pii_stale_count(t) for t in targets.values()) == stale_before - 5
    assert set(PiiCanary.objects.values_list("key_id", flat=True)) == {"a", "b"}  # key a still needed
    settings.PII_KEYS = [("b", KEY_B)]
    assert any("“a”" in p for p in pii_key_problems())  # removing a now is refused at start-up
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]

    second = _run("--batch-size", "3")
    assert f"本次换用密钥 {stale_before - 5} 行" in second and "全部个人信息已使用最新密钥" in second
    assert "/" in second  # progress lines
    assert _run().count("本次换用密钥 0 行") == 1  # nothing left: a re-run does nothing

    settings.PII_KEYS = [("b", KEY_B)]
    assert pii_key_problems() == []
    assert list(PiiCanary.objects.values_list("key_id", flat=True)) == ["b"]
    _assert_all_readable(plain)
    for member in PartyMember.objects.all():
        assert member.id_number_hash.startswith("b:") and member.phone_hash.startswith("b:")
    assert all(pii_stale_count(t) == 0 for t in targets.values())


def test_rotation_does_not_overwrite_a_row_changed_meanwhile(under_key_a):
    from core.services import _rotate_batch

    settings, plain = under_key_a
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]
    target = next(t for t in rotation_targets() if t.label == "villages.Household.phone")
    household = Household.objects.order_by("pk").first()
    household.set_phone("13912345678")  # a service writes under b, between the read and the update
    household.save()
    read, _last, written = _rotate_batch(target, 0, 100, [])
    assert read == 6 and written == 6  # the rewritten row was no longer stale, so not read
    household.refresh_from_db()
    assert household.reveal_phone() == "13912345678"


def test_a_wrong_key_is_a_start_up_error_not_a_failed_reveal(under_key_a):
    settings, _plain = under_key_a
    settings.PII_KEYS = [("a", "not-the-key-that-wrote-this-data-0123456789")]
    problems = pii_key_problems()
    assert any("编号“a”的密钥与写入本数据库的密钥不符" in p for p in problems)
    assert check_pii_keys() == []  # a plain `check` does not read the database
    errors = check_pii_keys(databases=["default"])
    assert errors and {e.id for e in errors} == {"core.E100"}


def test_data_from_before_the_canary_is_checked_on_its_newest_rows(under_key_a):
    settings, _plain = under_key_a
    PiiCanary.objects.all().delete()
    settings.PII_KEYS = [("b", KEY_B)]  # key a, which wrote everything, is missing
    problems = pii_key_problems()
    assert any("villages.Household" in p and "无法用已配置的密钥解密" in p for p in problems)
    assert any("members.PartyMember" in p for p in problems)
    # the first canaries on a database holding data record every configured key
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]
    assert pii_key_problems() == []
    assert sorted(pii_canary_ensure()) == ["a", "b"]


def test_hashes_written_before_key_ids_are_found_and_rotated(under_key_a):
    settings, plain = under_key_a
    household = Household.objects.order_by("pk").first()
    legacy = household.phone_hash.split(":", 1)[1]  # the format before key ids: bare hex
    Household.objects.filter(pk=household.pk).update(phone_hash=legacy)
    settings.PII_KEYS = [("b", KEY_B), ("a", KEY_A)]
    assert Household.objects.filter(pii.hash_q("phone_hash", plain[("h", household.pk)])).get() == household
    _run()
    household.refresh_from_db()
    assert household.phone_hash.startswith("b:")
