"""Reports in the test world (tests/factories.build_world): the hospital (H1) and the other
hospital (H2) under the commission (WJW)."""

import hashlib
import io
import json
import zipfile

from lianfang.exchange import keys, package
from lianfang.exchange.schema import MANIFEST, SIGNATURE
from lianfang.risks.models import Measure, RiskPoint
from tests.risks.factories import make_measure, make_risk_point


def filed_points(world, n=3):
    """`n` filed points of the hospital's 主治医师 post, each with a measure of 心内科."""
    from lianfang.org.models import Post

    post = Post.objects.get(code="P-ZZYS")
    points = []
    for i in range(n):
        point = make_risk_point(
            world.hospital,
            post=post,
            name=f"风险点{i}：超剂量开具特定厂家药品",
            status=RiskPoint.Status.FILED,
            likelihood=1 + i % 3,
            harm=3,
        )
        make_measure(
            world.hospital,
            f"处方每月抽查 30 份并公示结果（{i}）",
            owner_department=world.cardiology,
            points=[point],
            status=Measure.Status.IN_PLACE if i % 2 else Measure.Status.PLANNED,
        )
        points.append(point)
    return points


def members(content: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def rezip(parts: dict[str, bytes], sealed_private_key: str | None = None) -> bytes:
    """The parts as a zip; signed as a whole with the key, if given (a file its holder made)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    if sealed_private_key is None:
        return out.getvalue()
    return package.seal(out.getvalue(), sealed_private_key)


def resign(parts: dict[str, bytes], sealed_private_key: str, public_key: str) -> dict:
    """`parts` with the manifest's digests recomputed and signed again with a key: a file made
    by someone holding that key (the unit, or whoever has another key)."""
    manifest = json.loads(parts[MANIFEST])
    for member in manifest["members"]:
        data = parts[member["name"]]
        member["sha256"] = hashlib.sha256(data).hexdigest()
        member["size"] = len(data)
    manifest["key"] = {
        "algorithm": "Ed25519",
        "public_key": public_key,
        "fingerprint": keys.fingerprint(public_key),
    }
    body = json.dumps(manifest, ensure_ascii=False, indent=2).encode()
    return {
        **parts,
        MANIFEST: body,
        SIGNATURE: keys.sign(sealed_private_key, body).hex().encode(),
    }
