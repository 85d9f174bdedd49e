"""Host range expansion and host:port splitting."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from longplay.inventory import (
    HostRangeError,
    expand_host_pattern,
    expand_host_range,
    split_host_port,
)


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("web", ["web"]),
        ("web[1:3]", ["web1", "web2", "web3"]),
        ("web[01:03].example.com", ["web01.example.com", "web02.example.com", "web03.example.com"]),
        ("web[1:7:3]", ["web1", "web4", "web7"]),
        ("web[0:10:3]", ["web0", "web3", "web6", "web9"]),
        ("db[a:c]", ["dba", "dbb", "dbc"]),
        ("w[a:e:2]", ["wa", "wc", "we"]),
        ("w[y:B]", ["wy", "wz", "wA", "wB"]),
        ("web[:2]", ["web0", "web1", "web2"]),
        ("w[1:2]x[a:b]", ["w1xa", "w1xb", "w2xa", "w2xb"]),
        ("w[001:010:4]", ["w001", "w005", "w009"]),
        ("w[-1:1]", ["w-1", "w0", "w1"]),
        ("w]1", ["w]1"]),
    ],
)
def test_expand_host_range(pattern: str, expected: list[str]) -> None:
    assert expand_host_range(pattern) == expected


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("web[5:1]", "begin <= end"),
        ("web[c:a]", "begin <= end"),
        ("web[1:]", "must specify end value"),
        ("web[1]", "begin:end or begin:end:step"),
        ("web[1:2:3:4]", "begin:end or begin:end:step"),
        ("web[1:3:0]", "step must be a positive integer"),
        ("web[1:3:x]", "step must be a positive integer"),
        ("web[01:3]", "equal-length"),
        ("web[aa:ab]", "numeric"),
        ("web[1:c]", "numeric"),
        ("web[1:3", "missing its closing"),
        ("a[1:2]b[3]", "begin:end or begin:end:step"),
    ],
)
def test_bad_ranges(pattern: str, message: str) -> None:
    with pytest.raises(HostRangeError, match=message):
        expand_host_range(pattern)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("web", ("web", None)),
        ("web:2222", ("web", 2222)),
        ("10.0.0.1:22", ("10.0.0.1", 22)),
        ("my_host.example.com:22", ("my_host.example.com", 22)),
        ("web[1:3]:22", ("web[1:3]", 22)),
        ("[::1]:22", ("::1", 22)),
        ("[web]:22", ("web", 22)),
        ("fe80::1", ("fe80::1", None)),
        ("::1", ("::1", None)),
    ],
)
def test_split_host_port(text: str, expected: tuple[str, int | None]) -> None:
    assert split_host_port(text) == expected


@pytest.mark.parametrize(
    "text", ["a:b", "-bad:22", "a..b:1", "host.:1", "h:0x10", "a/b:1", "h1:h2"]
)
def test_split_host_port_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        split_host_port(text)


def test_ranges_not_allowed_in_plain_mode() -> None:
    with pytest.raises(ValueError):
        split_host_port("web[1:3]:22", allow_ranges=False)


def test_expand_host_pattern_port_and_fallback() -> None:
    assert expand_host_pattern("web[1:2]:2222") == (["web1", "web2"], 2222)
    assert expand_host_pattern("a/b:33") == (["a/b:33"], None)
    assert expand_host_pattern("[::1]:22") == (["::1"], 22)
    with pytest.raises(HostRangeError, match="ending in ':'"):
        expand_host_pattern("web:")


numeric_ranges = st.tuples(
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=0, max_value=300),
    st.integers(min_value=1, max_value=7),
).map(lambda t: (min(t[0], t[1]), max(t[0], t[1]), t[2]))
affixes = st.text(alphabet=string.ascii_lowercase + "-.", max_size=6)


@given(numeric_ranges, affixes, affixes)
def test_numeric_range_properties(bounds: tuple[int, int, int], head: str, tail: str) -> None:
    first, last, step = bounds
    names = expand_host_range(f"{head}[{first}:{last}:{step}]{tail}")
    assert len(names) == len(range(first, last + 1, step))
    assert all(name.startswith(head) and name.endswith(tail) for name in names)
    numbers = [int(name[len(head) : len(name) - len(tail)]) for name in names]
    assert numbers == list(range(first, last + 1, step))
    assert len(set(names)) == len(names)


@given(numeric_ranges.filter(lambda b: b[1] >= 10), st.integers(min_value=0, max_value=2))
def test_zero_padded_ranges_keep_width(bounds: tuple[int, int, int], extra: int) -> None:
    first, last, step = bounds
    width = len(str(last)) + extra
    begin = str(first).zfill(width)
    if not begin.startswith("0"):
        begin = "0" + begin
        width += 1
    names = expand_host_range(f"n[{begin}:{str(last).zfill(width)}:{step}]")
    assert all(len(name) == width + 1 for name in names)
    assert [int(name[1:]) for name in names] == list(range(first, last + 1, step))


letter_ranges = st.tuples(
    st.sampled_from(string.ascii_letters), st.sampled_from(string.ascii_letters)
).map(lambda t: tuple(sorted(t, key=string.ascii_letters.index)))


@given(letter_ranges, st.integers(min_value=1, max_value=5))
def test_letter_range_properties(bounds: tuple[str, str], step: int) -> None:
    first, last = bounds
    names = expand_host_range(f"h[{first}:{last}:{step}]")
    letters = string.ascii_letters
    assert [name[1:] for name in names] == list(
        letters[letters.index(first) : letters.index(last) + 1 : step]
    )


@given(numeric_ranges, numeric_ranges)
def test_two_ranges_multiply(a: tuple[int, int, int], b: tuple[int, int, int]) -> None:
    names = expand_host_range(f"x[{a[0]}:{a[1]}:{a[2]}]y[{b[0]}:{b[1]}:{b[2]}]")
    assert len(names) == len(range(a[0], a[1] + 1, a[2])) * len(range(b[0], b[1] + 1, b[2]))


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=1, max_value=500))
def test_reversed_numeric_range_is_an_error(x: int, y: int) -> None:
    if x == y:
        return
    with pytest.raises(HostRangeError):
        expand_host_range(f"h[{max(x, y)}:{min(x, y)}]")
