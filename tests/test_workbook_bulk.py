"""The import's fast constructor (khuyencong.workbook.bulk.new) makes the instance the model's
own constructor makes: the same field values, defaults and cached related objects."""

from __future__ import annotations

import pytest
from django.apps import apps

from funding.models import Disbursement, Instalment, Lawsuit, LoanContract, Repayment
from khuyencong.workbook import bulk
from projects.models import Event, Facility, Product, ProductNomination, Project, ProjectResult

MODELS = [Facility, Project, Disbursement, Event, LoanContract, Instalment, Repayment, Lawsuit, Product, ProductNomination,
          ProjectResult]


def _fields(obj) -> dict:
    values = dict(vars(obj))
    state = values.pop("_state")
    return {**values, "adding": state.adding, "db": state.db, "cached": dict(state.fields_cache)}


@pytest.mark.parametrize("model", MODELS + [Project.facilities.through], ids=lambda m: m.__name__)
def test_a_new_record_is_the_one_the_model_makes(model):
    assert _fields(bulk.new(model)) == _fields(model())
    assert bulk.new(model) is not bulk.new(model)


def test_related_objects_and_ids_are_set_as_the_constructor_sets_them():
    project = Project(code="DA-1", name="Đề án")
    facility = Facility(pk=7, name="Cơ sở")
    through = Project.facilities.through
    made, fast = through(project=project, facility=facility), bulk.new(through, project=project, facility=facility)
    assert _fields(fast) == _fields(made)
    assert fast.project is project and fast.facility_id == 7
    disbursement = bulk.new(Disbursement, project=project, document_number="UNC-1", amount=5)
    assert _fields(disbursement) == _fields(Disbursement(project=project, document_number="UNC-1", amount=5))
    history = apps.get_model("projects", "HistoricalProject_facilities")
    kwargs = {"id": 3, "history_id": 4, "project_id": 5, "facility_id": 6}
    assert _fields(bulk.new(history, **kwargs)) == _fields(history(**kwargs))


def test_callable_defaults_are_called_for_each_record():
    """Facility.commune_candidates (default=list): each record its own list, never a shared one."""
    fresh = [f for f in Facility._meta.concrete_fields if f.has_default() and callable(f.default)]
    assert fresh
    one, two = bulk.new(Facility), bulk.new(Facility)
    for field in fresh:
        assert getattr(one, field.attname) == getattr(Facility(), field.attname)
        assert getattr(one, field.attname) is not getattr(two, field.attname)


@pytest.mark.django_db
def test_the_cycle_collector_is_paused_during_an_import_and_back_after():
    import gc

    from khuyencong.workbook import import_workbook

    from .workbook_helpers import small_workbook, xlsx

    seen = []
    result = import_workbook(xlsx(small_workbook()), progress=lambda *args: seen.append(gc.isenabled()))
    assert result.applied and seen and not any(seen)  # "Đang ghi …" before the writing, at least
    assert gc.isenabled()
