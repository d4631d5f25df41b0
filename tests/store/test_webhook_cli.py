"""`lowcode webhook add | list | off`: implementers subscribe existing systems to case events."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import Result

from runtime.destinations import ALLOW_ENV


@pytest.fixture(autouse=True)
def public_names(resolver: dict[str, list[str]]) -> dict[str, list[str]]:
    """The names these tests use, with the test's resolver (no DNS server is asked)."""
    resolver["oa.example.gov.cn"] = ["93.184.216.34"]
    resolver["metadata.example.gov.cn"] = ["93.184.216.34", "169.254.169.254"]
    resolver["intranet.example.gov.cn"] = ["10.20.3.4"]
    return resolver


def test_a_subscription_is_added_listed_and_switched_off(run: Callable[..., Result]) -> None:
    assert run("db", "upgrade").exit_code == 0
    added = run("webhook", "add", "oa", "https://oa.example.gov.cn/hooks/lowcode",
                "--event", "case.done", "--event", "warning.red")
    assert added.exit_code == 0, added.output
    assert "已添加订阅 1；签名密钥（只显示这一次）：" in added.output
    secret = added.output.rsplit("：", 1)[1].strip()
    assert len(secret) >= 40
    listed = run("webhook", "list").output
    assert listed.strip() == ("1\t启用\toa\thttps://oa.example.gov.cn/hooks/lowcode\t"
                              "case.done, warning.red")
    assert secret not in listed
    assert run("webhook", "off", "1").output.strip() == "订阅 1 已停用"
    assert "1\t停用\toa" in run("webhook", "list").output


def test_a_wrong_event_url_or_id_is_refused_with_the_reason(
        run: Callable[..., Result]) -> None:
    assert run("db", "upgrade").exit_code == 0
    wrong_event = run("webhook", "add", "oa", "https://oa.example.gov.cn/h", "--event", "done")
    assert wrong_event.exit_code == 1 and "未知的事件 done；可选：" in wrong_event.output
    wrong_url = run("webhook", "add", "oa", "ftp://oa.example.gov.cn/h", "--lang", "en")
    assert (wrong_url.exit_code, wrong_url.output.strip()) == (
        1, "the URL must start with http:// or https://")
    unknown = run("webhook", "add", "oa", "https://nowhere.example.gov.cn/h")
    assert (unknown.exit_code, unknown.output.strip()) == (1, "无法解析主机 nowhere.example.gov.cn")
    missing = run("webhook", "off", "9")
    assert (missing.exit_code, missing.output.strip()) == (1, "没有编号为 9 的订阅")
    assert run("webhook", "list").output == ""


def test_webhook_commands_ask_for_an_upgrade_first(run: Callable[..., Result]) -> None:
    result = run("webhook", "list")
    assert result.exit_code == 1 and "请先运行 lowcode db upgrade" in result.output


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://2130706433:8080/", "http://0177.0.0.1/",
                                 "http://[::ffff:127.0.0.1]/", "http://[fe80::1]/",
                                 "https://metadata.example.gov.cn/hook",
                                 "https://intranet.example.gov.cn/hook"])
def test_an_internal_destination_is_refused_at_add(
        run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    assert run("db", "upgrade").exit_code == 0
    monkeypatch.setenv(ALLOW_ENV, "")
    refused = run("webhook", "add", "oa", url, "--lang", "en")
    assert refused.exit_code == 1
    assert "is an internal address" in refused.output and ALLOW_ENV in refused.output
    assert run("webhook", "list").output == ""


def test_the_allow_list_admits_an_internal_network(
        run: Callable[..., Result], monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("db", "upgrade").exit_code == 0
    monkeypatch.setenv(ALLOW_ENV, "10.20.0.0/16")
    assert run("webhook", "add", "oa", "https://intranet.example.gov.cn/hook").exit_code == 0
    assert run("webhook", "add", "md", "https://metadata.example.gov.cn/hook").exit_code == 1
    assert "intranet.example.gov.cn" in run("webhook", "list").output
