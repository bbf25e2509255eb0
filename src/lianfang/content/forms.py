"""Forms of the content pages; the services check and save what they hold."""

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_prose_editor.widgets import ProseEditorWidget
from js_asset import Script

from lianfang.core.forms import BootstrapFormMixin, ServiceErrorsMixin

from . import images
from .models import Article

# What the editor offers; the same tags as the stored allow-list (sanitise.TAGS) or fewer.
EDITOR_CONFIG = {
    "types": [
        "Bold",
        "Italic",
        "Underline",
        "Strike",
        "Subscript",
        "Superscript",
        "Heading",
        "BulletList",
        "OrderedList",
        "Blockquote",
        "HorizontalRule",
        "Link",
        "Table",
        "Image",  # shown where the article is saved (the upload needs it): `data-image-upload`
    ],
    "headingLevels": [2, 3, 4],
    "history": True,
    "html": False,
    "typographic": False,
}


class RichTextWidget(ProseEditorWidget):
    """django-prose-editor, loaded under the strict CSP: no import map (an inline script);
    `content/editor.js` imports the package's own `editor.js` by its path and builds the
    editor on every textarea marked `data-django-prose-editor-default`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, config=EDITOR_CONFIG, **kwargs)

    @property
    def media(self):
        return forms.Media(
            css={
                "all": [
                    "django_prose_editor/material-icons.css",
                    "django_prose_editor/editor.css",
                    "content/editor.css",
                ]
            },
            js=[Script("content/editor.js", type="module")],
        )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data if d]
        return [super().clean(data, initial)] if data else []


class ArticleForm(ServiceErrorsMixin, BootstrapFormMixin, forms.Form):
    column = forms.ModelChoiceField(label=_("栏目"), queryset=None, empty_label=None)
    title = forms.CharField(label=_("标题"), max_length=200)
    summary = forms.CharField(
        label=_("摘要"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body = forms.CharField(label=_("正文"), required=False, widget=RichTextWidget())
    published_on = forms.DateField(
        label=_("发布日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("留空则为审核发布当天。"),
    )
    author_department = forms.CharField(label=_("发布部门"), max_length=100, required=False)
    expires_on = forms.DateField(
        label=_("有效期至"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("通知公告过了这一天即从门户撤下；留空为长期有效。"),
    )
    pinned = forms.BooleanField(label=_("置顶"), required=False)
    cover = forms.FileField(
        label=_("封面图片"),
        required=False,
        help_text=_("JPEG 或 PNG，不超过 5 MB；上传后重新编码，去除元数据。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png"}),
    )
    files = MultipleFileField(
        label=_("附件"),
        required=False,
        help_text=_("PDF、Word、Excel 或图片，每个不超过 20 MB。"),
    )

    def __init__(self, *args, columns, article: Article | None = None, **kwargs):
        if article is not None:
            kwargs.setdefault(
                "initial",
                {
                    "column": article.column_id,
                    "title": article.title,
                    "summary": article.summary,
                    "body": images.to_staff(article.body, article),
                    "published_on": article.published_on,
                    "author_department": article.author_department,
                    "expires_on": article.expires_on,
                    "pinned": article.pinned,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["column"].queryset = columns
        if article is not None:
            del self.fields["column"]  # an article stays in its column
            # the editor's image button uploads here (an article not yet saved has none)
            self.fields["body"].widget.attrs["data-image-upload"] = reverse(
                "content:article_image_upload", args=[article.pk]
            )
        else:
            self.fields["body"].help_text = _("保存草稿后即可在正文中插入图片。")


class ArticleFilterForm(forms.Form):
    column = forms.ChoiceField(label=_("栏目"), required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), *Article.Status.choices],
    )
    q = forms.CharField(label=_("标题"), required=False, max_length=100)

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column"].choices = [("", _("全部栏目"))] + [
            (str(c.pk), f"{c.organisation.name} · {c.name}") for c in columns
        ]
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs["class"] = css
