"""The helpers every app uses: roles and access, money and date formatting, text, history,
form and admin helpers, the cell parsers and the import-export widgets.

This package imports no app of the portal (``projects``, ``funding``, ``reporting``) and no other
part of ``khuyencong``: it is the base they all stand on, and the only part of ``khuyencong`` the
domain apps import.
"""
