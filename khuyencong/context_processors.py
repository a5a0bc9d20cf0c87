from django.conf import settings
from django.utils.functional import SimpleLazyObject

from khuyencong.core import roles


class _Abilities:
    """What the signed-in user may do, for templates to hide what they would refuse anyway
    (the views enforce the same rules)."""

    def __init__(self, user):
        self.edit_records = roles.can_edit_records(user)
        self.write_reports = roles.can_write_reports(user)


def organisation(request):
    return {
        "organisation": settings.ORGANISATION,
        "can": SimpleLazyObject(lambda: _Abilities(request.user)),
    }
