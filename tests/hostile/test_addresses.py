"""The address policy as a pure decision: every written form, every kind of address."""

from __future__ import annotations

import ipaddress

import pytest

from publisher.addresses import AddressPolicy, classify, networks, parse_host
from publisher.errors import AddressRefused


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("2130706433", "127.0.0.1"),  # decimal
        ("0x7f.1", "127.0.0.1"),  # hex, shortened
        ("0x7f000001", "127.0.0.1"),
        ("017700000001", "127.0.0.1"),  # octal
        ("127.1", "127.0.0.1"),  # shortened dotted
        ("0251.0376.0251.0376", "169.254.169.254"),  # octal metadata
        ("[::ffff:127.0.0.1]", "::ffff:127.0.0.1"),
        ("[fd00:ec2::254]", "fd00:ec2::254"),
    ],
)
def test_every_written_form_is_read_as_an_address(host: str, address: str) -> None:
    assert parse_host(host) == ipaddress.ip_address(address)


@pytest.mark.parametrize("host", ["example.org", "deadbeef.example", "", "1.2.3.4.5.6"])
def test_names_are_not_addresses(host: str) -> None:
    assert parse_host(host) is None


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("169.254.169.254", "metadata"),
        ("fd00:ec2::254", "metadata"),
        ("100.100.100.200", "metadata"),
        ("169.254.1.1", "link-local"),
        ("fe80::1", "link-local"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "metadata"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fd12::1", "private"),
        ("93.184.216.34", "public"),
        ("2606:4700::1111", "public"),
    ],
)
def test_classify(address: str, kind: str) -> None:
    assert classify(ipaddress.ip_address(address)) == kind


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0", "240.0.0.1"]
)
def test_never_fetched_even_with_allow_private(address: str) -> None:
    with pytest.raises(AddressRefused, match=r"site\.allow_addresses") as caught:
        AddressPolicy(allow_private=True).check(ipaddress.ip_address(address), url="u")
    assert address in str(caught.value)


def test_private_needs_allow_private_and_the_refusal_names_it() -> None:
    with pytest.raises(
        AddressRefused, match=r"10\.0\.0\.1 \(private address\).*allow_private: true"
    ):
        AddressPolicy().check(ipaddress.ip_address("10.0.0.1"), url="u")
    assert (
        AddressPolicy(allow_private=True).check(ipaddress.ip_address("10.0.0.1"), url="u")
        == "private"
    )


def test_the_operator_may_list_any_network() -> None:
    policy = AddressPolicy(allow=networks(("169.254.169.254/32",)))
    assert policy.check(ipaddress.ip_address("169.254.169.254"), url="u") == "metadata"
    with pytest.raises(AddressRefused):
        policy.check(ipaddress.ip_address("169.254.169.253"), url="u")
