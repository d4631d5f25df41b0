"""A field type from outside the runtime package: a Chinese vehicle licence plate (车牌号).

It is what a third party would write: one `FieldType` with its parser, the words of its
errors, a widget template of its own (the province character and the rest in two inputs,
posted as two parts), a masking rule and a palette entry, and `register`, a provider an app
lists beside the default ones. It imports only the runtime's public API.
"""

from __future__ import annotations

import re
from typing import Any

from runtime.forms.fieldtypes import PARTS, STRING, FieldType, FieldTypes, Palette, Widget
from runtime.forms.values import ValueProblem, normalised
from runtime.i18n import Label

# A province's one-character abbreviation, a letter, then 5 (6 for a new-energy car)
# letters and digits without I or O.
_PLATE = re.compile(r"[\u4e00-\u9fff][A-Z][A-HJ-NP-Z0-9]{5,6}")
PROVINCE, NUMBER = "province", "number"

WIDGET = """\
{%- set plate = f.value or "" -%}
<span class="plate" data-field-type="plate">
  <input id="in-{{ slug }}" class="plate-province" name="{{ f.path }}.province" \
value="{{ plate[:1] }}" maxlength="1" size="2" {{ live }}>
  <input id="in-{{ slug }}-number" class="plate-number" name="{{ f.path }}.number" \
value="{{ plate[1:] }}" maxlength="7" autocapitalize="characters" {{ live }}>
</span>"""


def plate(raw: Any) -> str:
    """From two posted parts (a page) or one text (the API) to `京A12345`."""
    if isinstance(raw, dict):
        raw = f"{raw.get(PROVINCE) or ''}{raw.get(NUMBER) or ''}"
    value = normalised(raw, "plate").upper()
    if not _PLATE.fullmatch(value):
        raise ValueProblem("plate")
    return value


def mask_plate(value: Any) -> str:
    """Keep the province, the letter and the last character: 京A****5."""
    text = str(value)
    return text[:2] + "*" * (len(text) - 3) + text[-1:] if len(text) > 3 else "*" * len(text)


PLATE = FieldType(
    "plate", STRING, Label("车牌号", "Licence plate"),
    Label("机动车号牌，如 京A12345", "A vehicle licence plate, e.g. 京A12345"),
    parse=plate,
    messages={"plate": ("「{label}」不是有效的车牌号", "{label} is not a valid licence plate")},
    widget=Widget(template=WIDGET, fieldset=True), posted=PARTS, parts=(PROVINCE, NUMBER),
    mask=mask_plate, palette=Palette("car", "vehicles", {"placeholder": "京A12345"}))


def register(registry: FieldTypes) -> None:
    """The provider: what an app lists to have the type."""
    registry.register(PLATE)
