"""Issue 14 attacked: the debt summaries, the facility picker, the workbook reader and the bulk
writer, through the ways in a user or a file can take. Each test pins a hole found and closed."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests import factories as f

pytest_plugins = ["tests.screens_helpers"]  # the role fixtures

pytestmark = pytest.mark.django_db

# Values a tampered URL or a remembered filter may carry as a facility's id: digits Python's
# str.isdigit() accepts but int() refuses ("²"), other scripts' digits, overflow, SQL-ish text.
HOSTILE_IDS = ["²", "¹²", "٣", "99999999999999999999", "9223372036854775808", "-1", "1e3", "1 OR 1=1", "1;--", " 7 ", "0x10"]


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_the_contract_list_names_a_bad_facility_id_instead_of_failing(viewer_client, value):
    f.FacilityFactory()
    for name in ("funding:contract-list", "funding:contract-export"):
        response = viewer_client.get(reverse(name), {"facility": value})
        assert response.status_code == 200, (name, value)


@pytest.mark.parametrize("value", HOSTILE_IDS)
def test_the_picker_renders_only_what_a_database_id_can_be(value):
    from projects.forms import FacilityPicker, picked_id
    from projects.models import Facility

    facility = f.FacilityFactory()
    picker = FacilityPicker()
    picker.choices = forms_choices(Facility)
    picker.get_context("facility", [value, str(facility.pk)], {})  # no error
    assert picked_id(value) == (7 if value == " 7 " else None)


def forms_choices(model):
    from django.forms.models import ModelChoiceField, ModelChoiceIterator

    return ModelChoiceIterator(ModelChoiceField(model.objects.all()))
