"""The demo hospital's portal: open, its default columns, generated avatars for its leaders."""

import io

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from lianfang.demo.portal import avatar_png, load_portal
from lianfang.org.models import Person

from . import world as demo

pytestmark = pytest.mark.django_db


def test_an_avatar_is_a_coloured_disc_png():
    image = Image.open(io.BytesIO(avatar_png("王建国", "wjg")))
    assert image.format == "PNG" and image.size == (192, 192)
    assert image.getpixel((96, 10)) != image.getpixel((1, 1))  # the disc, on the paper


def test_the_demo_portal_opens_with_avatars():
    w = demo.build(open_site=False)
    result = load_portal(w["hospital"], actor=w["admin"])
    assert result == {"portal_columns": 11, "avatars": 1}
    director = Person.objects.get(pk=w["director"].pk)
    assert director.photo is not None and director.photo.use == "person_photo"
    url = reverse("portal:leader_photo", args=[w["hospital"].code, director.pk])
    response = Client().get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert Client().get(reverse("portal:home", args=[w["hospital"].code])).status_code == 200
