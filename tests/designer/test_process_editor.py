"""The process editor over HTTP, on the birth pack: who may open it, the diagram and the
checker's marks, adding a step from a task template (written to the working copy's YAML),
editing a step through its schema-generated panel, a stale revision, and CSRF."""

from __future__ import annotations

import re

import yaml
from flask import Flask
from web.test_workbench import Person, world  # noqa: F401

from runtime.store import designs
from runtime.web.database import store

__all__ = ["world"]
URL = "/designer/processes/birth_joint"


def copy_data(app: Flask) -> dict:
    with store(app).sessions() as session:
        found = designs.get_copy(session, "Process", "birth_joint")
        assert found is not None
        return yaml.safe_load(found.text)


def revision(page: str) -> str:
    found = re.search(r'name="revision" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


def test_the_editor_draws_every_step_of_the_process(world: Flask) -> None:
    page = Person(world, "designer").page(URL)
    assert '<svg id="process-diagram"' in page
    data = copy_data(world)
    for step in data["steps"]:
        assert f'id="box-{step["id"]}"' in page
    assert "检查通过，没有问题" in page
