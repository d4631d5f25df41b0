"""Each published form version, in each language, as a Jinja template of its own: what no
data changes (labels, ids, names, options, help, input types, the live-update attributes) is
written once as literal HTML, and only what the data decides (values, checked and selected,
hidden, required, readonly, errors) is left as expressions over the page's FieldViews.

The page renders this template; a partial update and an upload answer render the generic
loop in `_field.html`, which must say the same for every field (tests/web/test_formtemplates
compares the two tag by tag). Kinds not compiled here (tables, pickers, regions, files, date
ranges, addresses, and the widgets of extension types with a template of their own) are
handed to that loop field by field."""

from __future__ import annotations

import json
from collections.abc import Callable

from jinja2 import Environment, Template
from markupsafe import escape

from runtime.definitions.spec import FieldSpec, FormSpec
from runtime.forms.fieldtypes import FieldTypes
from runtime.forms.plans import PerForm
from runtime.i18n import Catalogue
from runtime.web.fieldtypes import field_types
from runtime.web.formviews import FieldPlan, plans, slug

COMPILED_KINDS = frozenset({"group", "notice", "input", "textarea", "richtext", "select",
                            "multiselect", "radio", "checkbox", "yes_no"})
REQUIRED_MARK = '{% if s.required %} <span class="req" aria-hidden="true">*</span>{% endif %}'
GENERIC = '{% with fields = [f], oob = False %}{% include "_field.html" %}{% endwith %}'
Words = Callable[[str], str]  # the interface's words ("choose", "yes", ...) in the language


def _compile(form: FormSpec, env: Environment, lang: str, live_url: str,
             words: Catalogue) -> Template:
    return env.from_string(source(form, lang, live_url, lambda key: words.format(key, lang)))


# page_fields(form, env, lang, live_url, words): the compiled fields of `form`'s page (a
# template over `views`, `step`, `live_url` and `form_id`), built on first use and kept
# while the form object lives. `words` is the catalogue of the interface's words. The
# environment is the app's, so its field types are the current app's registry.
page_fields = PerForm(_compile)


def source(form: FormSpec, lang: str, live_url: str, words: Words,
           types: FieldTypes | None = None) -> str:
    """The Jinja source of a form's page fields, with its pages as steps when it has any;
    its field types from `types` (by default the current app's)."""
    writer = _Writer(plans(form, lang, field_types() if types is None else types), live_url,
                     words)
    pages = [f for f in form.fields if f.type == "page"]
    for index, spec in enumerate(form.fields):
        if spec.type == "page":
            writer.html(f'\n<section class="step" id="step-{index}"')
            writer.code(f"{{% if step != {pages.index(spec)} %}} hidden{{% endif %}}>")
            writer.field(spec, f"views[{index}]")
            writer.html("\n</section>")
        else:
            writer.field(spec, f"views[{index}]")
    # Captured and written out once: the page would otherwise pass each of its hundreds of
    # pieces up through the include, the block and the base template one by one.
    return "{% set html %}" + "".join(writer.out) + "{% endset %}{{ html }}"


def _text(value: object) -> str:
    return str(escape(value))


def _string(value: str) -> str:
    """`value` as a Jinja string literal (JSON's escapes read the same in Jinja)."""
    return json.dumps(value)


class _Writer:
    """Writes one form's template: literal HTML through `html`, expressions through `code`."""

    def __init__(self, plans: dict[FieldSpec, FieldPlan], live_url: str, words: Words):
        self.plans, self.words, self.out = plans, words, []
        self.live = (f'hx-post="{_text(live_url)}" hx-trigger="change" '
                     'hx-include="closest form" hx-swap="none"')

    def html(self, text: str) -> None:
        # Literal text is already escaped; "{" becomes a character reference so that no
        # label or option can open a Jinja tag. It means the same to a browser.
        self.out.append(text.replace("{", "&#123;"))

    def code(self, text: str) -> None:
        self.out.append(text)

    def field(self, spec: FieldSpec, view: str) -> None:
        """One field, its view at the expression `view`; its path is its id (tables, whose
        cells have longer paths, go to the generic loop)."""
        plan = self.plans[spec]
        self.code(f"{{% set f = {view} %}}")
        if plan.kind not in COMPILED_KINDS or plan.from_catalog:
            self.code(GENERIC)  # catalog options are read per request, so not compiled
            return
        self.code("{% set s = f.state %}{% set e = f.errors %}")
        name = slug(spec.id)
        self.html(f'\n<div id="f-{name}" class="field field-{_text(plan.type)}')
        self.code('{% if e %} has-error{% endif %}"{% if not s.visible %} hidden{% endif %}>')
        if plan.kind == "group":
            self.html(f"\n  <fieldset>\n    <legend>{_text(plan.label)}</legend>")
            for index, child in enumerate(spec.fields):
                self.field(child, f"{view}.children[{index}]")
            self.html("\n  </fieldset>")
        elif plan.kind == "notice":
            self.html(f'\n  <p class="notice">{_text(plan.text)}</p>')
        elif plan.kind in ("radio", "checkbox", "yes_no"):
            self._choices(plan, name)
        else:
            self._control(plan, name)
        self.html("\n</div>")

    def _described_by(self, plan: FieldPlan, name: str) -> str:
        """The help and error ids, as Jinja source: help always, the error when there is one."""
        if plan.help:
            return f"help-{name}{{% if e %}} err-{name}{{% endif %}}"
        return f"{{% if e %}}err-{name}{{% endif %}}"

    def _choices(self, plan: FieldPlan, name: str) -> None:
        """Radio buttons or checkboxes under one legend."""
        path = _text(plan.spec.id)
        self.html("\n  <fieldset")
        # No aria-required: a fieldset (a group) may not carry it; the legend's mark says it.
        self.code(f' aria-describedby="{self._described_by(plan, name)}">')
        self.html(f"\n    <legend>{_text(plan.label)}")
        self.code(REQUIRED_MARK)
        self.html("</legend>")
        if plan.kind == "yes_no":
            options = (("true", self.words("yes")), ("false", self.words("no")))
            self.code("{% set c = [(f.value|string|lower)] if f.value is not none else [] %}")
            kind = "radio"
        else:
            options, kind = plan.options, plan.kind
            self.code("{% set c = f.chosen %}")
        for index, (value, label) in enumerate(options):
            first = f' id="in-{name}"' if index == 0 else ""
            self.html(f'\n      <label class="choice"><input type="{kind}" name="{path}" '
                      f'value="{_text(value)}" {self.live}{first}')
            self.code(f"{{% if {_string(value)} in c %}} checked{{% endif %}}"
                      "{% if s.readonly %} disabled{% endif %}>")
            self.html(f" {_text(label)}</label>")
        self.html("\n  </fieldset>")
        self._help_and_errors(plan, name, indent="\n  ")

    def _control(self, plan: FieldPlan, name: str) -> None:
        """One input, text area or select under one label."""
        self.html(f'\n  <label for="in-{name}">{_text(plan.label)}')
        self.code(REQUIRED_MARK)
        self.html("</label>")
        described = (f' aria-describedby="{self._described_by(plan, name)}"' if plan.help else
                     f'{{% if e %}} aria-describedby="err-{name}"{{% endif %}}')
        tag = {"input": "input", "select": "select", "multiselect": "select"}.get(
            plan.kind, "textarea")
        self.html(f'\n  <{tag} id="in-{name}" name="{_text(plan.spec.id)}"')
        self.code(f'{described}{{% if e %}} aria-invalid="true"{{% endif %}}'
                  '{% if s.required %} aria-required="true"{% endif %}'
                  "{% if s.readonly %} readonly{% endif %}")
        self.html(f" {self.live}")
        getattr(self, f"_{tag}")(plan)
        self._help_and_errors(plan, name, indent="\n  ")

    def _input(self, plan: FieldPlan) -> None:
        self.html(f' type="{_text(plan.input_type)}" value="')
        self.code("{{ '' if f.value is none else f.value }}")
        extra = [f' inputmode="{_text(plan.input_mode)}"' if plan.input_mode else "",
                 f' placeholder="{_text(plan.placeholder)}"' if plan.placeholder else "",
                 f' maxlength="{plan.max_length}"' if plan.max_length else ""]
        self.html('"' + "".join(extra) + ">")

    def _textarea(self, plan: FieldPlan) -> None:
        longest = f' maxlength="{plan.max_length}"' if plan.max_length else ""
        self.html(f' rows="4"{longest}>')
        self.code('{{ f.value or "" }}')
        self.html("</textarea>")

    def _select(self, plan: FieldPlan) -> None:
        multiple = plan.kind == "multiselect"
        self.html(" multiple>" if multiple else ">")
        if not multiple:
            self.html(f'\n      <option value="">{_text(self.words("choose"))}</option>')
        if plan.options:
            self.code("{% set c = f.chosen %}")
        for value, label in plan.options:
            self.html(f'<option value="{_text(value)}"')
            self.code(f"{{% if {_string(value)} in c %}} selected{{% endif %}}")
            self.html(f">{_text(label)}</option>")
        self.html("\n    </select>")

    def _help_and_errors(self, plan: FieldPlan, name: str, indent: str) -> None:
        if plan.help:
            self.html(f'{indent}<p id="help-{name}" class="help">{_text(plan.help)}</p>')
        self.code(f'{{% if e %}}{indent}<p id="err-{name}" class="error">'
                  '{{ e|join(mark("；")) }}</p>{% endif %}')
