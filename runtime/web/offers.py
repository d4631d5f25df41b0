"""What the start page offers: each imported pack and the service items it lets people apply
for, each with the latest version of its application form."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

from sqlalchemy.orm import Session

from runtime.definitions.spec import CatalogSpec, FormSpec, PackSpec
from runtime.i18n import Label
from runtime.store.models import Definition, Pack
from runtime.store.queries import list_definitions, list_packs


@dataclass(frozen=True)
class ServiceOffer:
    """A service item (事项) and the form that applies for it."""

    code: str
    label: Label
    department: Label | str | None
    form: Definition


@dataclass(frozen=True)
class PackOffer:
    pack: Pack
    description: Label | None
    services: tuple[ServiceOffer, ...]


def pack_offers(session: Session, usable: Callable[[FormSpec], bool]) -> list[PackOffer]:
    """Each pack with the services whose form `usable` says the visitor may open."""
    return [_offer(pack, list_definitions(session, pack_id=pack.pack_id), usable)
            for pack in list_packs(session)]


def _offer(pack: Pack, definitions: list[Definition],
           usable: Callable[[FormSpec], bool]) -> PackOffer:
    specs = [d.spec for d in definitions]
    manifest = next((s for s in specs if isinstance(s, PackSpec)), None)
    departments = {d.code: d.name for d in manifest.departments} if manifest else {}
    forms = {d.def_id: d for d in definitions
             if isinstance(d.spec, FormSpec) and usable(d.spec)}
    catalogs = [s for s in specs if isinstance(s, CatalogSpec) and s.type == "services"]
    services = tuple(_services(catalogs, forms, departments))
    return PackOffer(pack, manifest.description if manifest else None, services)


def _services(catalogs: list[CatalogSpec], forms: dict[str, Definition],
              departments: dict[str, Label]) -> Iterator[ServiceOffer]:
    for catalog in catalogs:
        for item in catalog.items:
            form = forms.get(item.form or "")
            if form is not None:
                department = departments.get(item.department or "", item.department)
                yield ServiceOffer(item.code, item.label, department, form)
