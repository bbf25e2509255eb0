"""`lianfang word_templates`: write the default template of every Word form (core.word) from
its python-docx builder, into the app that ships it (then commit the files)."""

from django.core.management.base import BaseCommand

from lianfang.core import word


class Command(BaseCommand):
    help = (
        "Build the default .docx template of every registered Word form (廉政风险定位表, "
        "风险点登记表 …) with python-docx and write it where the form's app ships it."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", help="only these forms (default: all)")

    def handle(self, *args, codes, **options):
        for form in word.forms():
            if codes and form.code not in codes:
                continue
            form.build(form.default)
            # the built template must render with its own sample, as an upload must
            word.check_template(form, form.default.read_bytes())
            self.stdout.write(f"{form.code}: {form.default}")
