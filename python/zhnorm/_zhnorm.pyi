# Types of the extension module. Most public functions are in __init__.py
# (normalize is here); the underscored ones take options already parsed there.
import os
import pathlib
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union, final

__all__ = [
    "__version__",
    "Converter",
    "convert",
    "configs",
    "_Options",
    "normalize",
    "_normalize_bytes",
    "_normalize_with_report",
    "_normalize_many",
    "_detect",
    "NormalizeError",
    "BinaryInputError",
    "StrictError",
]
__version__: str

class NormalizeError(ValueError):
    """An input that gave no output (the command would fail on that file)."""

class BinaryInputError(NormalizeError):
    """Binary input: a NUL byte that no encoding explains.

    ``offset`` is where it is. Giving ``from_encoding`` decodes it anyway.
    """

    offset: int

class StrictError(NormalizeError):
    """With ``strict=True``: damage found, or a JSON Lines field that no record has."""

@final
class Converter:
    """An OpenCC 1.4.2 configuration, optionally with user dictionaries.

    ``dicts`` are files in OpenCC's text format (``key<TAB>value`` per line),
    as the command's ``--dict``: their entries win over the built-in ones,
    later files over earlier ones. A missing file raises ``OSError``, an
    unknown configuration or a malformed dictionary ``ValueError``. A
    converter is immutable and may be shared by threads.
    """

    def __new__(
        cls, config: str = "t2s", dicts: Sequence[Union[str, os.PathLike[str]]] = ()
    ) -> Converter: ...
    @property
    def config(self) -> str:
        """The configuration name, e.g. ``"t2s"``."""
    @property
    def dicts(self) -> List[pathlib.Path]:
        """The user dictionaries, in the order given."""
    def convert(self, text: str) -> str:
        """Convert ``text`` exactly as OpenCC 1.4.2 does with this configuration."""

def convert(text: str, config: str = "t2s") -> str:
    """Convert ``text`` exactly as OpenCC 1.4.2's ``OpenCC(config).convert`` does."""

def configs() -> List[str]:
    """The configuration names ``convert`` and ``Converter`` accept."""

@final
class _Options:
    def __new__(
        cls,
        config: Union[str, Converter],
        format: str,
        html: str,
        skip: List[str],
        from_encoding: Optional[str],
        fields: List[str],
        to: str,
        convert_all: bool,
        convert_only: bool,
        strict: bool,
    ) -> _Options: ...

def normalize(
    data: Union[bytes, bytearray, str],
    *,
    config: Union[str, Converter] = "t2s",
    format: str = "auto",
    html: str = "keep",
    skip: Union[str, Sequence[str]] = (),
    from_encoding: Optional[str] = None,
    fields: Union[str, Sequence[str]] = "text",
    to: str = "same",
    convert_all: bool = False,
    convert_only: bool = False,
    strict: bool = False,
) -> str:
    """Clean and convert one input; return the text (see the package's docs)."""
def _normalize_bytes(data: Union[bytes, bytearray, str], opts: _Options) -> bytes: ...
def _normalize_with_report(
    data: Union[bytes, bytearray, str], opts: _Options
) -> Tuple[str, Dict[str, Any]]: ...
def _normalize_many(
    items: Iterable[Union[bytes, bytearray, str]],
    opts: _Options,
    threads: Optional[int],
    keep_errors: bool,
) -> List[Any]: ...
def _detect(data: Union[bytes, bytearray], opts: _Options) -> Dict[str, Any]: ...
