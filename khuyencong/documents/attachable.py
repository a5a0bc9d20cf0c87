"""Which records may carry documents: ONE declared list.

A record type is attachable when it is listed here: its model, the word in the upload URL, and
the page the snippet sends the user back to. A later "decision" model is one more line.
The list is read by the model (which content types an attachment may point at), the views
(the upload URL) and the history pages.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.urls import reverse


@dataclass(frozen=True)
class Attachable:
    label: str  # "app_label.ModelName"
    slug: str  # in the upload URL: /tai-lieu/<slug>/<pk>/them/
    page: Callable[[models.Model], str]  # where the record is shown (its attachments with it)

    @property
    def model(self) -> type[models.Model]:
        return apps.get_model(self.label)


ATTACHABLE: tuple[Attachable, ...] = (
    Attachable("projects.Project", "de-an", lambda r: reverse("projects:project-detail", args=[r.pk])),
    Attachable("funding.LoanContract", "hop-dong", lambda r: reverse("funding:contract-detail", args=[r.pk])),
    Attachable("funding.Lawsuit", "vu-kien", lambda r: reverse("funding:contract-detail", args=[r.contract_id])),
    Attachable("reporting.Report", "bao-cao", lambda r: reverse("reporting:report-detail", args=[r.pk])),
)


def by_slug(slug: str) -> Attachable | None:
    return next((a for a in ATTACHABLE if a.slug == slug), None)


def of(record: models.Model) -> Attachable | None:
    """The entry of ``record``'s model, None when its model may not carry documents."""
    label = record._meta.label
    return next((a for a in ATTACHABLE if a.label == label), None)


def content_type_filter() -> models.Q:
    """The content types an attachment may point at (the model field's limit_choices_to)."""
    q = models.Q(pk__in=[])
    for entry in ATTACHABLE:
        app_label, model = entry.label.lower().split(".")
        q |= models.Q(app_label=app_label, model=model)
    return q
