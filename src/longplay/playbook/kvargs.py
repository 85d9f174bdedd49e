"""Free-form task arguments: ``debug: msg="hi {{ x }}" verbosity=1``.

Words are split on whitespace outside quotes and outside Jinja2 blocks
(``{{ a | b }}`` stays one word), then ``key=value`` words become
arguments. For modules that take a command line (command, shell, raw,
script) only their known option names are pulled out; everything else stays
in the command line, so ``echo a=b`` still echoes ``a=b``.
"""

from __future__ import annotations

from longplay.errors import ParseError

_OPENERS = {"{{": "}}", "{%": "%}", "{#": "#}"}


class UnbalancedArgs(ParseError):
    """A quote or a Jinja2 block left open in free-form arguments."""


def split_args(text: str) -> list[tuple[int, int]]:
    """Spans of the words of ``text``: whitespace splits, except inside quotes or Jinja2."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    quote: str | None = None
    closers: list[str] = []
    i = 0
    while i < len(text):
        char = text[i]
        pair = text[i : i + 2]
        if char.isspace() and quote is None and not closers:
            if start is not None:
                spans.append((start, i))
                start = None
            i += 1
            continue
        if start is None:
            start = i
        if quote is None and pair in _OPENERS:
            closers.append(_OPENERS[pair])
            i += 2
            continue
        if closers and pair == closers[-1]:
            closers.pop()
            i += 2
            continue
        if char in "\"'" and not closers:
            if quote is None:
                quote = char
            elif quote == char and text[i - 1] != "\\":
                quote = None
        i += 1
    if quote is not None or closers:
        raise UnbalancedArgs(
            "failed at splitting arguments, either an unbalanced jinja2 block or quotes: " + text
        )
    if start is not None:
        spans.append((start, len(text)))
    return spans


def unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    return text


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'"}


def decode_escapes(text: str) -> str:
    """Turn ``\\n``, ``\\t``... in a ``key=value`` value into the characters, as Ansible does."""
    if "\\" not in text:
        return text
    out: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text) and text[index + 1] in _ESCAPES:
            out.append(_ESCAPES[text[index + 1]])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _key_of(word: str) -> str | None:
    key, sep, _ = word.partition("=")
    return key if sep and key.isidentifier() else None


def parse_kv(text: str, raw_options: frozenset[str] | None = None) -> dict[str, str]:
    """Turn free-form text into arguments.

    With ``raw_options`` (a command-line module), only those keys are taken
    as options and the rest of the text, unchanged, becomes ``_raw_params``.
    Without it, every ``key=value`` word is an argument and any other words
    are kept as ``_raw_params`` (the module then rejects them if it must).
    """
    args: dict[str, str] = {}
    kept: list[str] = []
    cursor = 0
    spans = split_args(text)
    for index, (start, end) in enumerate(spans):
        word = text[start:end]
        key = _key_of(word)
        if key is not None and (raw_options is None or key in raw_options):
            args[key] = decode_escapes(unquote(word[len(key) + 1 :]))
            if index + 1 < len(spans):
                # the option goes with the whitespace after it...
                kept.append(text[cursor:start])
                cursor = spans[index + 1][0]
            else:
                # ...or, when it ends the text, with the space that led to it
                kept.append(text[cursor : start - 1 if text[start - 1 : start] == " " else start])
                cursor = len(text)
    kept.append(text[cursor:])
    raw = "".join(kept)
    if raw.strip():
        # A command line keeps its whitespace, the trailing newline of a
        # ``shell: |`` block too, as ansible-core's ``cmd`` shows it.
        args["_raw_params"] = raw if raw_options is not None else " ".join(raw.split())
    return args
