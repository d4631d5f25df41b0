"""Where webhooks may go: every address a destination resolves to is checked, in any
notation, against the allow-list. The resolver is the test's stub (`resolver`): nothing here
asks a DNS server or connects anywhere."""

from __future__ import annotations

import pytest

from runtime.destinations import RefusedDestination, allow_list, check

INTERNAL = ["http://127.0.0.1/hook", "http://2130706433/hook", "http://0177.0.0.1/hook",
            "http://0x7f.1/hook", "http://[::1]/hook", "http://[::ffff:127.0.0.1]/hook",
            "http://[::ffff:a9fe:a9fe]/hook", "http://169.254.169.254/latest/meta-data",
            "http://10.1.2.3/", "http://172.16.0.1/", "http://192.168.1.1/",
            "http://100.64.0.1/", "http://0.0.0.0/", "http://[fe80::1]/", "http://[fc00::1]/",
            "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::1]/",
            "http://224.0.0.1/"]


@pytest.mark.parametrize("url", INTERNAL)
def test_an_internal_address_is_refused_in_any_notation(
        url: str, resolver: dict[str, list[str]]) -> None:
    with pytest.raises(RefusedDestination) as refused:
        check(url, allowed=())
    assert "内部地址" in refused.value.message() and "internal address" in refused.value.message("en")


@pytest.mark.parametrize("addresses", [["169.254.169.254"], ["10.0.0.5"], ["::1"],
                                       ["93.184.216.34", "192.168.0.10"]])
def test_a_name_is_refused_when_any_address_it_resolves_to_is_internal(
        addresses: list[str], resolver: dict[str, list[str]]) -> None:
    resolver["hooks.example.gov.cn"] = addresses
    with pytest.raises(RefusedDestination):
        check("https://hooks.example.gov.cn/in", allowed=())


def test_a_public_name_is_connected_to_at_the_address_checked(
        resolver: dict[str, list[str]]) -> None:
    resolver["oa.example.gov.cn"] = ["93.184.216.34"]
    place = check("https://oa.example.gov.cn:8443/hooks/lowcode?token=x", allowed=())
    assert (place.scheme, place.host, place.port, place.address, place.target) == (
        "https", "oa.example.gov.cn", 8443, "93.184.216.34", "/hooks/lowcode?token=x")


def test_the_allow_list_lets_chosen_internal_networks_through(
        resolver: dict[str, list[str]]) -> None:
    resolver["gw.internal"] = ["10.20.3.4"]
    allowed = allow_list("10.20.0.0/16, 127.0.0.1")
    assert check("http://gw.internal/", allowed).address == "10.20.3.4"
    assert check("http://[::ffff:127.0.0.1]:8080/", allowed).address == "::ffff:7f00:1"
    for still_refused in ("http://10.21.0.1/", "http://127.0.0.2/", "http://169.254.169.254/"):
        with pytest.raises(RefusedDestination):
            check(still_refused, allowed)


@pytest.mark.parametrize("url, words", [("ftp://oa.example.gov.cn/h", "http://"),
                                        ("http:///nohost", "http://"),
                                        ("http://oa.example.gov.cn:99999/", "port"),
                                        ("http://nowhere.example/", "does not resolve")])
def test_a_url_that_is_not_a_destination_is_refused(
        url: str, words: str, resolver: dict[str, list[str]]) -> None:
    with pytest.raises(RefusedDestination) as refused:
        check(url, allowed=())
    assert words in refused.value.message("en")


def test_a_bad_allow_list_is_an_error() -> None:
    with pytest.raises(ValueError):
        allow_list("10.0.0.0/33")
