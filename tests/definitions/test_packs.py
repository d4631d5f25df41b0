"""Packs are data only: a zip is read in memory under caps, and unsafe members are refused."""

import io
import os
import stat
import zipfile
from pathlib import Path

import pytest

from runtime import packs
from runtime.definitions.checker import schema_pass
from runtime.definitions.kinds import builtin_kinds
from runtime.packs import PackSource, check_pack, check_path, read_folder, read_zip

EXAMPLE = Path(__file__).parents[2] / "scenario_packs" / "birth_one_thing"
PACK = b"kind: Pack\nid: z\nversion: 1\nformat: 1\ntitle: Z\nassets: [pdf]\n"


def make_zip(members: dict[str, bytes], *, link: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if link:
            info = zipfile.ZipInfo(link)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def codes(result: packs.PackResult) -> list[str]:
    return [p.code for p in result.problems]


def test_the_example_pack_checks_clean() -> None:
    result = check_path(EXAMPLE)
    assert [p.render() for p in result.problems] == []
    assert result.pack is not None and result.pack.id == "birth_one_thing"


def test_a_zip_of_the_example_pack_checks_clean(tmp_path: Path) -> None:
    members = {f"birth_one_thing/{n}": d for n, d in read_folder(EXAMPLE).files.items()}
    target = tmp_path / "pack.zip"
    target.write_bytes(make_zip(members))
    result = check_path(target)
    assert result.problems == []
    assert "forms/birth_apply.yaml" in result.source.files


@pytest.mark.parametrize("name", ["/etc/passwd.yaml", "../up.yaml", "forms/../../x.yaml",
                                  "C:/x.yaml", "forms\\x.yaml"])
def test_unsafe_member_names_are_refused(name: str) -> None:
    with pytest.raises(packs._Refused) as caught:
        read_zip(make_zip({"pack.yaml": PACK, name: b"kind: Form"}))
    assert caught.value.problem.code == "pack_bad_path"


def test_links_are_refused() -> None:
    with pytest.raises(packs._Refused) as caught:
        read_zip(make_zip({"pack.yaml": PACK}, link="forms/link.yaml"))
    assert caught.value.problem.code == "pack_bad_path"


def test_a_compression_bomb_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "bomb.zip"
    target.write_bytes(make_zip({"pack.yaml": PACK, "assets/a.pdf": b"\0" * (5 << 20)}))
    assert codes(check_path(target)) == ["pack_ratio"]


def test_too_many_files_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "MAX_FILES", 3)
    members = {"pack.yaml": PACK, **{f"assets/{i}.pdf": b"%PDF" for i in range(3)}}
    with pytest.raises(packs._Refused) as caught:
        read_zip(make_zip(members))
    assert caught.value.problem.code == "pack_too_many_files"


def test_too_large_in_total_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(packs, "MAX_TOTAL_BYTES", 1000)
    with pytest.raises(packs._Refused) as caught:
        read_zip(make_zip({"pack.yaml": PACK, "assets/a.pdf": os.urandom(2000)}))
    assert caught.value.problem.code == "pack_too_large"


def test_a_member_larger_than_its_header_says_is_refused() -> None:
    data = bytearray(make_zip({"pack.yaml": PACK, "assets/a.pdf": b"x" * 100}))
    # Shrink the declared size in the central directory so the real data is longer.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24:central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(packs._Refused) as caught:
        read_zip(bytes(data))
    assert caught.value.problem.code == "pack_bad_zip"


def test_not_a_zip() -> None:
    with pytest.raises(packs._Refused) as caught:
        read_zip(b"this is not a zip")
    assert caught.value.problem.code == "pack_bad_zip"


def test_only_definitions_and_declared_assets_are_allowed() -> None:
    files = {"pack.yaml": PACK, "assets/guide.pdf": b"%PDF", "assets/run.sh": b"echo",
             "forms/x.py": b"print()", "README.md": b"# readme"}
    result = check_pack(PackSource("t", files))
    assert sorted((p.code, p.file) for p in result.problems) == [
        ("pack_bad_file", "assets/run.sh"), ("pack_bad_file", "forms/x.py")]


def test_a_folder_with_a_link_is_refused(tmp_path: Path) -> None:
    (tmp_path / "pack.yaml").write_bytes(PACK)
    (tmp_path / "forms").mkdir()
    (tmp_path / "forms" / "a.yaml").symlink_to("/etc/passwd")
    assert codes(check_path(tmp_path)) == ["pack_bad_path"]


def test_a_folder_without_manifest() -> None:
    assert codes(check_pack(PackSource("t", {"forms/a.yaml": b"kind: Form"}))) == ["pack_missing"]


def test_a_single_file_is_checked_alone() -> None:
    result = check_path(EXAMPLE / "forms" / "birth_apply.yaml")
    assert result.problems == []  # its catalog references are not followed outside the pack
    assert [d.spec.id for d in result.definitions] == ["birth_apply"]


def test_a_member_in_an_unknown_compression_method_is_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("pack.yaml", PACK)
    data = bytearray(buffer.getvalue())
    # Method 99 (AES) in the local header and the central directory: zipfile cannot read it.
    data[8:10] = (99).to_bytes(2, "little")
    central = data.rfind(b"PK\x01\x02")
    data[central + 10:central + 12] = (99).to_bytes(2, "little")
    with pytest.raises(packs._Refused) as caught:
        read_zip(bytes(data))
    assert caught.value.problem.code == "pack_bad_zip"


def test_kept_schema_passes_of_unchanged_files_give_the_same_check() -> None:
    """An editor keeps the schema pass of each file it did not change (checker.schema_pass):
    the pack checked with them is the pack checked afresh."""
    source = read_folder(EXAMPLE)
    fresh = check_pack(source)
    docs = {d.doc.file: d.doc for d in fresh.definitions}
    passed = {name: schema_pass(doc, builtin_kinds()) for name, doc in docs.items()
              if not name.startswith("forms/")}
    kept = check_pack(source, loaded=docs, passed=passed)
    assert [p.render() for p in kept.problems] == [p.render() for p in fresh.problems]
    assert [(d.spec.kind, d.spec.id, d.spec.version) for d in kept.definitions] == \
        [(d.spec.kind, d.spec.id, d.spec.version) for d in fresh.definitions]
    assert [d for d in kept.definitions if d.doc.file in passed] == \
        [p.checked for p in passed.values()]
