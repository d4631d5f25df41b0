"""Forms built from YAML text through the real loader and checker, as a pack would give them."""

from runtime.definitions.checker import Extensions, check_documents
from runtime.definitions.kinds import builtin_kinds
from runtime.definitions.loader import load_text
from runtime.definitions.spec import FormSpec
from runtime.providers import default_field_types

# The field types these tests run with: a registry of the tests' own, from the default
# providers (an app builds its own the same way); the checker is given the same one.
TYPES = default_field_types()
EXTENSIONS = Extensions(builtin_kinds(), TYPES)

HEAD = "kind: Form\nid: apply\nversion: {version}\ntitle: 申请\n"


def build_form(text: str, version: int = 1) -> FormSpec:
    head = HEAD.format(version=version)
    result = check_documents([load_text("forms/apply.yaml", head + text)],
                             extensions=EXTENSIONS, resolve_refs=False)
    assert result.problems == [], [p.render() for p in result.problems]
    spec = result.definitions[0].spec
    assert isinstance(spec, FormSpec)
    return spec
