from __future__ import annotations

from django import forms

from khuyencong.documents.models import Attachment
from khuyencong.documents.validation import ACCEPT, ALLOWED, max_bytes


class AttachmentForm(forms.Form):
    """Reads the fields; the file itself is judged by ``validation.check_upload`` (in the service)."""

    kind = forms.ChoiceField(label="Loại tài liệu", choices=Attachment.Kind.choices, initial=Attachment.Kind.OTHER)
    title = forms.CharField(
        label="Tên tài liệu", max_length=200, required=False, help_text="Để trống: lấy tên tệp."
    )
    file = forms.FileField(
        label="Tệp",
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
        error_messages={"required": "Hãy chọn tệp cần đính kèm.", "empty": "Tệp rỗng: hãy chọn lại tệp."},
    )

    def __init__(self, *args, prefix_id: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        megabytes = max_bytes() // (1024 * 1024)
        self.fields["file"].help_text = f"{ALLOWED}; tối đa {megabytes} MB."
        if prefix_id:  # several forms on one page (the contract and each lawsuit): distinct ids
            self.auto_id = f"id_{prefix_id}_%s"
