"""The workspace admin's form for a new scoring configuration version.

It edits the configuration as JSON and checks it with the same validation as
the GraphQL API (`scoring.engine.validate_config_dict`). Saving goes through
`scoring.services.update_config`, so the admin and the API store versions the
same way.
"""

from __future__ import annotations

import json

from django import forms

from scoring.engine import validate_config_dict
from scoring.models import ScoringConfigVersion
from scoring.services import current_version


class ScoringConfigForm(forms.ModelForm):
    values_json = forms.CharField(
        label="Configuration (JSON)",
        widget=forms.Textarea(attrs={"rows": 32, "cols": 100, "style": "font-family: monospace"}),
        help_text=(
            "The whole configuration: weights, thresholds, rules, custom_signals and language. "
            "Keys you delete take their default values. Weights are saved normalised to a sum of 1. "
            "Saving creates a new version; earlier versions stay readable."
        ),
    )

    class Meta:
        model = ScoringConfigVersion
        fields: list[str] = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.fields["values_json"].initial = json.dumps(current_version().values, indent=2)

    def clean_values_json(self) -> dict:
        text = self.cleaned_data["values_json"]
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"Invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
            ) from None
        errors = validate_config_dict(data)
        if errors:
            raise forms.ValidationError([f"{error.field or '(whole configuration)'}: {error.message}" for error in errors])
        return data
