"""No role can rebuild an ID number from what it is shown outside the logged reveal.

An ID number is region (6) + birth date (8) + sequence (3) + check digit (1). The test gathers every
member field a role receives in lists, details, histories and the lookup, and counts the numbers that
are consistent with it: the masked digits, the gender, the age band, any date. Fewer than 10,000
candidates counts as rebuildable (the old API: a mask of digits 1–6 and 15–18 beside the birth date
left exactly one).
"""
import datetime
import json
import re

import pytest
from stdnum.cn import ric

from accounts.models import SecurityAction, SecurityEvent
from members.models import AGE_BANDS
from tests.clients import api_client
from tests import factories as f

pytestmark = pytest.mark.django_db

BIRTH = datetime.date(1970, 3, 15)
ROLES = ["district", "town", "zone", "village", "grid", "api"]


@pytest.fixture
def place():
    grid = f.MicroGridFactory()
    village = grid.village
    branch = f.PartyBranchFactory(village=village)
    member = f.PartyMemberFactory(branch=branch, id_number=f.make_id_number(birth=BIRTH, male=True))
    f.HouseholdLinkFactory(member=member, household=f.HouseholdFactory(grid=grid))
    users = f.users_up_the_chain(grid, member=member)
    return {"member": member, "users": users}


def _dates_in(text: str) -> set[datetime.date]:
    found = set()
    for y, m, d in re.findall(r"((?:19|20)\d\d)-?(\d\d)-?(\d\d)", text):
        try:
            found.add(datetime.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return found


def candidates(mask: str, *, gender: str | None, band: str | None, dates: set[datetime.date], today: datetime.date) -> int:
    """How many valid ID numbers agree with the visible digits of `mask` and the other fields shown."""
    assert len(mask) == 18
    if band:
        low, high = next((lo, hi) for lo, hi, label in AGE_BANDS if label == band)
        first, last = today.replace(year=today.year - high - 1), today.replace(year=today.year - low)
    else:
        first, last = datetime.date(1900, 1, 1), today
    births = [d for d in dates if first <= d <= last] if dates else None
    if births is None:
        births = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    total = 0
    for birth in births:
        if mask[6:14].replace("*", "") and birth.strftime("%Y%m%d") != mask[6:14]:
            if any(c != "*" and c != b for c, b in zip(mask[6:14], birth.strftime("%Y%m%d"))):
                continue
        for seq in range(1000):
            body = f"{mask[:6]}{birth:%Y%m%d}{seq:03d}"
            if any(c != "*" and c != b for c, b in zip(mask[14:17], body[14:17])):
                continue
            if gender and ("M" if seq % 2 else "F") != gender:
                continue
            check = ric.calc_check_digit(body + "0")  # (stdnum reads the first 17 of 18 digits)
            if mask[17] != "*" and check != mask[17]:
                continue
            total += 1
            if total >= 10_000:
                return total
    return total


@pytest.mark.parametrize("who", ROLES)
def test_no_role_receives_enough_to_rebuild_an_id_number(place, who):
    client = api_client(place["users"][who])
    member = place["member"]
    seen = []
    for url in ("/api/members/", f"/api/members/{member.pk}/", f"/api/members/{member.pk}/history/",
                "/api/household-links/", "/api/members/?ordering=joined_on"):
        response = client.get(url)
        assert response.status_code == 200, url
        seen.append(json.dumps(response.data, ensure_ascii=False, default=str))
    text = "\n".join(seen)
    assert "birth" not in text, "a birth date (or year) is served"
    row = client.get(f"/api/members/{member.pk}/").data
    dates = {d for d in _dates_in(text) if d != member.joined_on and d.year < 2020} - {member.created_at.date()}
    n = candidates(row["id_number_masked"], gender=row.get("gender"), band=row.get("age_band"), dates=dates,
                   today=datetime.date.today())
    assert n >= 10_000, f"{who}: only {n} ID numbers agree with what is shown"


def test_the_old_fields_would_have_been_enough():
    """The counting above can fail: the old mask and the birth date leave one number."""
    number = f.make_id_number(birth=BIRTH, male=True)
    old_mask = f"{number[:6]}********{number[-4:]}"
    assert candidates(old_mask, gender="M", band=None, dates={BIRTH}, today=datetime.date.today()) == 1


@pytest.mark.parametrize("who", ["grid", "api"])
def test_lookup_by_id_number_is_refused_to_roles_that_may_not_reveal(place, who):
    client = api_client(place["users"][who])
    number = place["member"].reveal()["id_number"]
    response = client.post("/api/members/lookup/", {"id_number": number})
    assert response.status_code == 403
    assert number not in response.content.decode()
    assert not SecurityEvent.objects.filter(action=SecurityAction.PII_LOOKUP).exists()


def test_id_number_in_a_url_is_refused_and_the_lookup_is_logged(place):
    client = api_client(place["users"]["zone"])
    number = place["member"].reveal()["id_number"]
    response = client.get("/api/members/", {"id_number": number})
    assert response.status_code == 400 and "lookup" in str(response.data["id_number"])
    assert number not in response.content.decode()
    found = client.post("/api/members/lookup/", {"id_number": number})
    assert [row["id"] for row in found.data] == [place["member"].pk]
    event = SecurityEvent.objects.get(action=SecurityAction.PII_LOOKUP)
    assert event.user_id == place["users"]["zone"].pk and event.detail == {"found": 1}
    assert number not in json.dumps(event.detail) + event.object_id


def test_birth_date_is_not_an_ordering(place):
    client = api_client(place["users"]["zone"])
    assert "birth_date" not in client.options("/api/members/").content.decode()
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content.decode()
    assert "birth_date" not in schema
