"""zhnorm: clean scraped Chinese web text into Simplified UTF-8.

Conversion is exactly OpenCC 1.4.2's; decoding and cleanup are the ``zhnorm``
command's, so ``normalize(data)`` on a file's bytes gives what
``zhnorm -o OUT FILE`` writes.
"""

from ._zhnorm import Converter, __version__, configs, convert

__all__ = ["Converter", "__version__", "configs", "convert"]
