"""The office's list and due pages make the same number of queries at 20 and 200 rows."""

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lianfang.complaints.models import Complaint


def add(office, n):
    Complaint.objects.bulk_create(
        [
            Complaint(
                organisation=office.world.hospital,
                channel="online",
                category="other",
                receipt_prefix="AAAA",
                receipt_hash="x",
                received_on=dt.date(2026, 1, 5),
                content=f"第 {i} 件",
                subject_department=office.world.cardiology if i % 2 else None,
                due_on=dt.date(2026, 1, 20),
            )
            for i in range(n)
        ]
    )


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_list_and_due_pages_do_not_grow_with_the_rows(login, office):
    client = login(office.lead)
    add(office, 20)
    queries(client, reverse("complaints:list"))  # the session's first read
    few = [queries(client, reverse(name)) for name in ("complaints:list", "complaints:due")]
    add(office, 180)
    many = [queries(client, reverse(name)) for name in ("complaints:list", "complaints:due")]
    assert few == many
    page = client.get(reverse("complaints:list")).content.decode()
    assert page.count('href="/complaints/') >= 200
