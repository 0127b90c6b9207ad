"""zhnorm: clean scraped Chinese web text into Simplified UTF-8.

Conversion is exactly OpenCC 1.4.2's. Decoding and cleanup are the ``zhnorm``
command's: ``normalize(data)`` on a file's bytes returns what
``zhnorm -o OUT FILE`` writes for that file with the same options.

The work runs in Rust without the GIL, so threads calling these functions run
in parallel; ``normalize_many`` spreads a list over Rust threads itself. An
input under 2 KiB is done without letting go of the GIL (as ``hashlib`` does):
letting go and taking it back would cost more than the work, and taking it
back can wait for another busy thread.
"""

from __future__ import annotations

import functools
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from . import _zhnorm
from ._zhnorm import (
    BinaryInputError,
    normalize,
    Converter,
    NormalizeError,
    StrictError,
    __version__,
    configs,
    convert,
)

__all__ = [
    "BinaryInputError",
    "Converter",
    "NormalizeError",
    "StrictError",
    "__version__",
    "configs",
    "convert",
    "detect",
    "normalize",
    "normalize_bytes",
    "normalize_many",
    "normalize_with_report",
]

Data = Union[bytes, bytearray, str]
Config = Union[str, Converter]


@functools.lru_cache(maxsize=64)
def _cached_options(
    config: Config,
    format: str,
    html: str,
    skip: Union[str, Tuple[str, ...]],
    from_encoding: Optional[str],
    fields: Union[str, Tuple[str, ...]],
    to: str,
    convert_all: bool,
    convert_only: bool,
    strict: bool,
) -> Any:
    field_names = _names(fields)
    # The command refuses these combinations (its --field and --to).
    if to == "jsonl" and format in ("text", "html", "jsonl"):
        raise ValueError(f'to="jsonl" is for WARC input, not format={format!r}')
    if field_names != ["text"] and format in ("text", "html", "warc"):
        raise ValueError(f"fields are for JSON Lines input, not format={format!r}")
    return _zhnorm._Options(
        config, format, html, _names(skip), from_encoding, field_names, to,
        bool(convert_all), bool(convert_only), bool(strict),
    )


def _names(value: Union[str, Tuple[str, ...]]) -> List[str]:
    # A single string is a comma-separated list, as the command's --skip.
    if isinstance(value, str):
        return [n for n in value.split(",") if n]
    return list(value)


def _options(
    config: Config,
    format: str,
    html: str,
    skip: Union[str, Iterable[str]],
    from_encoding: Optional[str],
    fields: Union[str, Iterable[str]],
    to: str,
    convert_all: bool,
    convert_only: bool,
    strict: bool,
) -> Any:
    # Options are parsed once per distinct set of arguments: a call on a
    # short record would otherwise spend more time parsing names than
    # normalizing. Lists (unhashable) become tuples for the cache's key.
    if not isinstance(skip, (tuple, str)):
        skip = tuple(skip)
    if not isinstance(fields, (tuple, str)):
        fields = tuple(fields)
    return _cached_options(config, format, html, skip, from_encoding, fields, to,
                           convert_all, convert_only, strict)


def _normalize_options(
    *,
    config: Config = "t2s",
    format: str = "auto",
    html: str = "keep",
    skip: Union[str, Sequence[str]] = (),
    from_encoding: Optional[str] = None,
    fields: Union[str, Sequence[str]] = ("text",),
    to: str = "same",
    convert_all: bool = False,
    convert_only: bool = False,
    strict: bool = False,
) -> Any:
    # normalize (in Rust, so that a call on a short record costs no Python
    # frame) comes here for any keyword it is given: straight to the
    # cache, which only lists (unhashable) miss; they go the long way.
    try:
        return _cached_options(config, format, html, skip, from_encoding, fields, to,
                               convert_all, convert_only, strict)
    except TypeError:
        return _options(config, format, html, skip, from_encoding, fields, to,
                        convert_all, convert_only, strict)


# What normalize uses when given no keyword at all.
_DEFAULT_OPTIONS = _normalize_options()


def normalize_bytes(
    data: Data,
    *,
    config: Config = "t2s",
    format: str = "auto",
    html: str = "keep",
    skip: Union[str, Sequence[str]] = (),
    from_encoding: Optional[str] = None,
    fields: Union[str, Sequence[str]] = ("text",),
    to: str = "same",
    convert_all: bool = False,
    convert_only: bool = False,
    strict: bool = False,
) -> bytes:
    """Like ``normalize``, but return the bytes the command writes.

    The same as ``normalize(...).encode()`` except for WARC output, which
    copies records that are not text as they are and so need not be UTF-8.
    """
    opts = _options(config, format, html, skip, from_encoding, fields, to,
                    convert_all, convert_only, strict)
    return _zhnorm._normalize_bytes(data, opts)


def normalize_with_report(
    data: Data,
    *,
    config: Config = "t2s",
    format: str = "auto",
    html: str = "keep",
    skip: Union[str, Sequence[str]] = (),
    from_encoding: Optional[str] = None,
    fields: Union[str, Sequence[str]] = ("text",),
    to: str = "same",
    convert_all: bool = False,
    convert_only: bool = False,
    strict: bool = False,
) -> Tuple[str, Dict[str, Any]]:
    """Like ``normalize``, and also return what ``--report`` says of the input.

    The dict has the fields of the command's ``--report`` record for one
    input (encoding, confidence, damage, cleanup counts, language,
    ``converted``, ...) and ``bytes_in``/``bytes_out`` (UTF-8 bytes, for a
    ``str``), without ``path``, ``output``, ``status`` and ``error``, which
    belong to files.
    """
    opts = _options(config, format, html, skip, from_encoding, fields, to,
                    convert_all, convert_only, strict)
    return _zhnorm._normalize_with_report(data, opts)


def normalize_many(
    items: Iterable[Data],
    *,
    threads: Optional[int] = None,
    errors: str = "raise",
    config: Config = "t2s",
    format: str = "auto",
    html: str = "keep",
    skip: Union[str, Sequence[str]] = (),
    from_encoding: Optional[str] = None,
    fields: Union[str, Sequence[str]] = ("text",),
    to: str = "same",
    convert_all: bool = False,
    convert_only: bool = False,
    strict: bool = False,
) -> List[Any]:
    """``normalize`` each item in parallel on Rust threads; results in order.

    ``threads`` is the number of threads (default: one per CPU; more than 4
    per CPU, or more than both the items and the CPUs, is capped, the former
    with a ``RuntimeWarning``, as the command caps ``-j``). ``threads=1``
    works on the calling thread, releasing the GIL for each chunk of items;
    with more, the calling thread reads the items and builds the results
    while the threads work on the chunks, without the GIL. With
    ``errors="raise"`` the first item (by position) that fails raises its exception (on Python
    3.11+ with a note naming the item); with ``errors="return"`` its place
    in the list holds the exception instead of a ``str``, and the others
    are still returned.
    """
    if errors not in ("raise", "return"):
        raise ValueError(f"unknown errors mode {errors!r} (one of: raise, return)")
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive int, not {threads!r}")
    if threads is not None:
        # Capped (with a RuntimeWarning) in Rust at 4 per CPU; a count past
        # what a machine word holds would only fail to convert there.
        threads = min(threads, 2**32)
    opts = _options(config, format, html, skip, from_encoding, fields, to,
                    convert_all, convert_only, strict)
    return _zhnorm._normalize_many(items, opts, threads, errors == "return")


def detect(
    data: Union[bytes, bytearray],
    *,
    from_encoding: Optional[str] = None,
    config: Config = "t2s",
    format: str = "auto",
    html: str = "keep",
    convert_all: bool = False,
) -> Dict[str, Any]:
    """What ``zhnorm detect --json`` prints for a file holding ``data``.

    The dict has that line's fields (encoding, confidence, language, whether
    a run would convert it, ...) except ``path``. Nothing is converted.
    Raises ``BinaryInputError`` for binary data unless ``from_encoding`` is
    given.
    """
    opts = _options(config, format, html, (), from_encoding, ("text",), "same",
                    convert_all, False, False)
    return _zhnorm._detect(data, opts)
