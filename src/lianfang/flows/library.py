"""The shipped flow definitions (`src/lianfang/libraries/flows/<code>.bpmn`), imported per
organisation, idempotently: the same code and content publish nothing new; a changed file
publishes the next version (running instances keep theirs). All or nothing: one refused file
imports none."""

from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

import lianfang

from . import bpmn as bpmn_module
from .models import FlowDefinition
from .services import definition_publish

DIRECTORY = Path(lianfang.__file__).parent / "libraries" / "flows"


@dataclass
class ImportResult:
    """What an import did: the codes published as a new version, those unchanged, and the
    power/step codes the organisation lacks (left unlinked until its catalogue has them)."""

    published: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unlinked: dict[str, list[str]] = field(default_factory=dict)


def available(directory: Path | None = None) -> dict[str, Path]:
    """The shipped definitions by code (the file name)."""
    folder = Path(directory or DIRECTORY)
    return {p.stem: p for p in sorted(folder.glob("*.bpmn"))} if folder.is_dir() else {}


@transaction.atomic
def flows_import(*, actor, organisation, codes=None, directory=None) -> ImportResult:
    """Import the shipped definitions (all, or `codes`) into `organisation`. ValidationError
    naming each refused file and its reasons; nothing is imported then."""
    files = available(directory)
    wanted = list(codes) if codes else list(files)
    unknown = [c for c in wanted if c not in files]
    if unknown:
        raise ValidationError(_("没有这些内置流程：%(codes)s") % {"codes": "、".join(unknown)})
    result, problems = ImportResult(), []
    for code in wanted:
        text = files[code].read_text(encoding="utf-8")
        try:
            spec = bpmn_module.parse(text)
        except bpmn_module.BpmnInvalid as exc:
            problems.append(f"{code}.bpmn：" + "；".join(exc.reasons))
            continue
        if spec["process_id"] != code:
            problems.append(
                _("%(code)s.bpmn：流程标识“%(id)s”须与文件名相同")
                % {"code": code, "id": spec["process_id"]}
            )
            continue
        try:
            bpmn_module.parse(text, organisation)
        except bpmn_module.BpmnInvalid as exc:
            result.unlinked[code] = exc.reasons
        before = (
            FlowDefinition.objects.filter(organisation=organisation, code=code)
            .values_list("current_version_id", flat=True)
            .first()
        )
        version = definition_publish(
            actor=actor,
            organisation=organisation,
            code=code,
            bpmn=text,
            action="flow_definition.import",
            check_codes=False,
        )
        if version.pk == before:
            result.unchanged.append(code)
        else:
            result.published.append((code, version.number))
    if problems:
        raise ValidationError(problems)
    return result
