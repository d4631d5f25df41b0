"""`lowcode webhook add | list | off`: implementers subscribe existing systems to case events."""

from __future__ import annotations

from collections.abc import Callable

from click.testing import Result


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
    missing = run("webhook", "off", "9")
    assert (missing.exit_code, missing.output.strip()) == (1, "没有编号为 9 的订阅")
    assert run("webhook", "list").output == ""


def test_webhook_commands_ask_for_an_upgrade_first(run: Callable[..., Result]) -> None:
    result = run("webhook", "list")
    assert result.exit_code == 1 and "请先运行 lowcode db upgrade" in result.output
