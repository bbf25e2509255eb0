"""The demo hospital's public site (公开门户): turned on with its default columns, and its
leaders given generated avatars (their surname on a coloured disc; never a real photo),
stored through the person photo mechanism (`org` attachments, use `person_photo`)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw, ImageFont

from lianfang.core.attachments import attachment_save
from lianfang.org.attachments import PERSON_PHOTO
from lianfang.org.models import Person
from lianfang.portal import services as portal_services

SIZE = 192
COLOURS = ("#b3261e", "#1f5fa8", "#2e7d32", "#8e24aa", "#c77700", "#00796b", "#5d4037")
# Debian's fonts-noto-cjk (installed for the PDFs); without it the pinyin initials are drawn.
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)
INTRO = (
    "本网站依法公开医院新闻、党建动态、职工权益、通知公告、规章制度、权力主体、职权目录、"
    "廉政风险点和权力运行结果，欢迎社会各界监督。"
)


def _font(size: int):
    for path in CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size), True
    return ImageFont.load_default(size=size), False


def avatar_png(name: str, initials: str = "") -> bytes:
    """A square PNG: the name's first character (or its initials) on a coloured disc."""
    digest = hashlib.sha256(name.encode()).digest()
    colour = COLOURS[digest[0] % len(COLOURS)]
    image = Image.new("RGB", (SIZE, SIZE), "#f7f5f2")
    draw = ImageDraw.Draw(image)
    draw.ellipse((4, 4, SIZE - 4, SIZE - 4), fill=colour)
    font, cjk = _font(SIZE // 2)
    text = name[:1] if cjk else (initials[:2] or "?").upper()
    draw.text((SIZE / 2, SIZE / 2), text, fill="white", font=font, anchor="mm")
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def load_portal(hospital, *, actor) -> dict[str, int]:
    """Open `hospital`'s site with its default columns and give its leaders avatars.
    `actor` is an administrator of the hospital (the demo's 系统管理员)."""
    site = portal_services.site_update(
        actor=actor,
        organisation=hospital,
        data={"enabled": True, "title": f"{hospital.name}院务公开", "intro": INTRO},
    )
    leaders = list(
        Person.objects.filter(
            organisation=hospital, is_leader=True, active=True, photo__isnull=True
        ).order_by("staff_no")
    )
    for person in leaders:
        upload = SimpleUploadedFile(
            f"{person.staff_no}.png", avatar_png(person.name, person.name_initials), "image/png"
        )
        person.photo = attachment_save(actor=actor, use=PERSON_PHOTO, target=person, upload=upload)
        person.save(update_fields=["photo"])
    return {"portal_columns": site.organisation.portal_columns.count(), "avatars": len(leaders)}
