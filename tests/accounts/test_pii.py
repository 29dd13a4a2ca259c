"""Personal data: ID numbers and phones validated, stored protected, masked in lists, revealed with a log."""
import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.models import SecurityAction, SecurityEvent
from core import pii
from members.models import PartyMember, age_band
from tests.clients import api_client
from tests import factories as f

pytestmark = pytest.mark.django_db

ID_NUMBER = "370181197003151234"  # 章丘, 1970-03-15, sequence 123 (odd: male); check digit fixed below
PHONE = "13812341234"


def _valid(body17: str) -> str:
    from stdnum.cn import ric

    return body17 + ric.calc_check_digit(body17 + "0")


VALID_ID = _valid(ID_NUMBER[:17])


# --- validation --------------------------------------------------------------------------

def test_valid_id_number_gives_birth_date_and_gender():
    assert pii.normalize_id_number(VALID_ID.lower()) == VALID_ID
    assert pii.birth_date_from_id(VALID_ID) == datetime.date(1970, 3, 15)
    assert pii.gender_from_id(VALID_ID) == "M"
    female = _valid("37018119850704002")
    assert pii.gender_from_id(female) == "F"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (f.wrong_check_digit(VALID_ID), "身份证号校验位错误。"),
        (VALID_ID[:-1], "身份证号应为18位。"),
        ("", "身份证号不能为空。"),
        (_valid("37018119701345001"), "出生日期"),  # month 13
        (_valid(f"370181{datetime.date.today().year + 1}0101001"), "出生日期"),
        (_valid("37999919700101001"), "地区码"),  # a province code with no such county
        ("37018119700101A01X", "格式无效"),
    ],
)
def test_invalid_id_numbers_are_refused_in_chinese(value, message):
    with pytest.raises(ValidationError) as exc:
        pii.normalize_id_number(value)
    assert message in exc.value.messages[0]
    assert "身份证号" in exc.value.messages[0]


def test_zhangqiu_numbers_of_people_born_before_the_county_code_are_valid():
    # 370181 (章丘市) dates from 1992, but residents born earlier were issued it: they must be accepted.
    assert pii.normalize_id_number(_valid("37018119560101001")) == _valid("37018119560101001")


@pytest.mark.parametrize(
    ("raw", "stored", "masked"),
    [
        ("138 1234 1234", PHONE, "138****1234"),
        ("+86 138-1234-1234", PHONE, "138****1234"),
        ("0531-83212345", "053183212345", "053*****2345"),  # a landline keeps its trunk 0
    ],
)
def test_phones_are_normalised_and_masked(raw, stored, masked):
    assert pii.normalize_phone(raw) == stored
    assert pii.mask_phone(stored) == masked


@pytest.mark.parametrize("raw", ["12345678901", "1381234", "95588", "+1 202 555 0101", "电话"])
def test_bad_phones_are_refused(raw):
    with pytest.raises(ValidationError) as exc:
        pii.normalize_phone(raw)
    assert "电话号码" in exc.value.messages[0]


# --- storage -----------------------------------------------------------------------------

def _row_text(table: str, where: str, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE {where}", params)
        return "\n".join(r[0] for r in cursor.fetchall())


def test_id_number_and_phone_are_not_stored_in_plain_text():
    member = f.PartyMemberFactory(id_number=VALID_ID, phone=PHONE)
    household = f.HouseholdFactory(phone=PHONE)
    member_row = _row_text("members_partymember", "id = %s", [member.pk])
    history = _row_text("members_partymemberevent", "pgh_obj_id = %s", [member.pk])
    household_row = _row_text("villages_household", "id = %s", [household.pk])
    assert member_row and history and household_row
    for text in (member_row, history, household_row):
        assert VALID_ID not in text
        assert PHONE not in text
    assert "370181**********" in member_row and "138****1234" in household_row
    assert pii.decrypt(PartyMember.objects.get(pk=member.pk).id_number_encrypted) == VALID_ID


# --- the API -------------------------------------------------------------------------------

@pytest.fixture
def place():
    grid = f.MicroGridFactory()
    village = grid.village
    branch = f.PartyBranchFactory(village=village)
    member = f.PartyMemberFactory(branch=branch, id_number=VALID_ID, phone=PHONE)
    household = f.HouseholdFactory(grid=grid, phone=PHONE)
    f.HouseholdLinkFactory(member=member, household=household)
    users = f.users_up_the_chain(grid, member=member)
    return {"member": member, "household": household, "users": users, "branch": branch, "grid": grid}


@pytest.mark.parametrize("who", ["district", "town", "zone", "village", "grid", "api"])
def test_lists_and_details_only_show_masks(place, who):
    client = api_client(place["users"][who])
    member, household = place["member"], place["household"]
    for url in ("/api/members/", f"/api/members/{member.pk}/", "/api/households/", f"/api/households/{household.pk}/",
                "/api/household-links/", f"/api/members/{member.pk}/history/", f"/api/households/{household.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 200, url
        text = json.dumps(response.data, ensure_ascii=False, default=str)
        assert VALID_ID not in text and PHONE not in text, url
    row = client.get(f"/api/members/{member.pk}/").data
    assert row["id_number_masked"] == f"370181**********{VALID_ID[-2:]}"
    assert row["phone_masked"] == "138****1234"
    assert "birth_date" not in row and (row["age_band"], row["gender"]) == (age_band(datetime.date(1970, 3, 15)), "M")
    assert client.get(f"/api/households/{household.pk}/").data["phone_masked"] == "138****1234"


@pytest.mark.parametrize("who", ["district", "town", "zone", "village"])
def test_reveal_for_cadre_roles_is_logged(place, who):
    user = place["users"][who]
    client = api_client(user)
    member, household = place["member"], place["household"]
    response = client.post(f"/api/members/{member.pk}/reveal/")
    assert response.status_code == 200
    assert response.data == {"id_number": VALID_ID, "phone": PHONE}
    assert client.post(f"/api/households/{household.pk}/reveal/").data == {"phone": PHONE}
    logs = list(SecurityEvent.objects.filter(user=user, action=SecurityAction.PII_REVEAL).order_by("id")
                .values_list("object_type", "object_id", "detail"))
    assert logs == [("members.partymember", str(member.pk), {"fields": ["id_number", "phone"]}),
                    ("villages.household", str(household.pk), {"fields": ["phone"]})]


@pytest.mark.parametrize("who", ["grid", "api"])
def test_reveal_is_refused_to_grid_members_and_api_consumers(place, who):
    client = api_client(place["users"][who])
    member, household = place["member"], place["household"]
    assert client.get(f"/api/members/{member.pk}/").status_code == 200  # they can see the row…
    for url in (f"/api/members/{member.pk}/reveal/", f"/api/households/{household.pk}/reveal/"):
        response = client.post(url)
        assert response.status_code == 403  # …but not the full number
        assert VALID_ID not in json.dumps(response.data) and PHONE not in json.dumps(response.data)
    assert not SecurityEvent.objects.filter(action=SecurityAction.PII_REVEAL).exists()


def test_reveal_out_of_scope_is_404_and_not_logged(place):
    client = api_client(f.make_user("zone_committee", f.WorkZoneFactory()))
    assert client.post(f"/api/members/{place['member'].pk}/reveal/").status_code == 404
    assert not SecurityEvent.objects.filter(action=SecurityAction.PII_REVEAL).exists()


def test_exact_lookup_by_id_number_uses_the_keyed_hash(place):
    client = api_client(place["users"]["zone"])
    other = f.PartyMemberFactory(branch=place["branch"])
    found = client.post("/api/members/lookup/", {"id_number": f" {VALID_ID.lower()} "}).data
    assert [row["id"] for row in found] == [place["member"].pk]
    wrong = client.post("/api/members/lookup/", {"id_number": f.wrong_check_digit(VALID_ID)})
    assert wrong.status_code == 400 and "校验位" in str(wrong.data["id_number"])
    assert client.post("/api/members/lookup/", {"id_number": VALID_ID[:10]}).status_code == 400  # no partial matches
    assert PartyMember.objects.get(pk=other.pk).id_number_hash == pii.keyed_hash(other.reveal()["id_number"])


def test_id_number_with_x_check_digit_round_trips(place):
    for serial in range(1000):
        candidate = _valid(f"37018119750505{serial:03d}")
        if candidate.endswith("X"):
            break
    client = api_client(place["users"]["village"])
    response = client.post("/api/members/", {
        "branch": place["branch"].pk, "name": "赵六", "id_number": candidate.lower(), "joined_on": "2001-07-01",
    }, format="json")
    assert response.status_code == 201, response.data
    assert response.data["id_number_masked"].endswith("X")
    assert len(client.post("/api/members/lookup/", {"id_number": candidate.lower()}).data) == 1


@pytest.mark.parametrize(
    ("body", "field", "text"),
    [
        ({"id_number": f.wrong_check_digit(VALID_ID)}, "id_number", "身份证号校验位错误"),
        ({"id_number": "3701811970"}, "id_number", "身份证号"),
        ({"phone": "1381234"}, "phone", "电话"),
    ],
)
def test_member_api_refuses_bad_pii_with_a_chinese_message(place, body, field, text):
    client = api_client(place["users"]["village"])
    count = PartyMember.objects.count()
    data = {"branch": place["branch"].pk, "name": "孙七", "id_number": f.make_id_number(birth=datetime.date(1972, 1, 1)),
            "joined_on": "2001-07-01", **body}
    response = client.post("/api/members/", data, format="json")
    assert response.status_code == 400
    assert text in response.data[field][0]
    assert PartyMember.objects.count() == count
