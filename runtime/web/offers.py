"""What the start page offers: each imported pack and the service items it lets people apply
for, each with the latest version of its application form."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from runtime.store.models import Definition, Pack
from runtime.store.queries import list_definitions, list_packs


@dataclass(frozen=True)
class ServiceOffer:
    """A service item (事项) and the form that applies for it."""

    code: str
    label: Any
    department: Any
    form: Definition


@dataclass(frozen=True)
class PackOffer:
    pack: Pack
    description: Any
    services: tuple[ServiceOffer, ...]


def pack_offers(session: Session) -> list[PackOffer]:
    return [_offer(pack, list_definitions(session, pack_id=pack.pack_id))
            for pack in list_packs(session)]


def _offer(pack: Pack, definitions: list[Definition]) -> PackOffer:
    manifest = next((d.data for d in definitions if d.kind == "Pack"), {})
    forms = {d.def_id: d for d in definitions if d.kind == "Form"}
    departments = {d["code"]: d["name"] for d in manifest.get("departments", [])}
    catalogs = [d.data for d in definitions if d.kind == "Catalog"]
    services = tuple(_services(catalogs, forms, departments))
    return PackOffer(pack, manifest.get("description"), services)


def _services(catalogs: list[dict[str, Any]], forms: dict[str, Definition],
              departments: dict[str, Any]) -> Iterator[ServiceOffer]:
    for catalog in catalogs:
        if catalog.get("type") != "services":
            continue
        for item in catalog["items"]:
            form = forms.get(item.get("form", ""))
            if form is not None:
                code = item.get("department")
                yield ServiceOffer(item["code"], item["label"],
                                   departments.get(code, code), form)
