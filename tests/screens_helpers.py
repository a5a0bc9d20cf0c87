"""Users in each role, for the staff-screen tests: a pytest plugin the test modules name in
``pytest_plugins`` (not imported, so that pytest can rewrite its asserts)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from khuyencong.core import roles
from tests import factories as f


def user_in(role: str, username: str):
    user = f.UserFactory(username=username, first_name=username)
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def data_entry():
    return user_in(roles.DATA_ENTRY, "nhaplieu")


@pytest.fixture
def department():
    return user_in(roles.DEPARTMENT, "chuyenvien")


@pytest.fixture
def viewer():
    return user_in(roles.VIEWER, "xem")


@pytest.fixture
def entry_client(data_entry) -> Client:
    return client_for(data_entry)


@pytest.fixture
def department_client(department) -> Client:
    return client_for(department)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return client_for(viewer)


@pytest.fixture
def login():
    """A function that returns a test client signed in as the given user."""
    return client_for
