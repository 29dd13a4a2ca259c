"""The visits dashboard and the mediation statistics answer their own xlsx twin (accounts.api_export.stats_export)."""
import io

import pytest
from openpyxl import load_workbook

from tests.clients import api_client
from tests.factories import HouseholdFactory, MicroGridFactory, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", ["/api/visits/dashboard/export/", "/api/dispute-cases/statistics/export/?group_by=zone"])
def test_statistics_pages_export_their_figures(url):
    grid = MicroGridFactory()
    HouseholdFactory(grid=grid)
    user = make_user("zone_committee", grid.village.zone)
    answer = api_client(user).get(url)
    assert answer.status_code == 200, answer.content
    book = load_workbook(io.BytesIO(b"".join(answer.streaming_content)))
    assert book.sheetnames and any(row for row in book.worksheets[0].iter_rows(values_only=True))
