"""normalize_many (order, threads, errors) and the GIL released during work."""

from __future__ import annotations

import sys
import threading
import time

import pytest

import zhnorm

ITEMS = [("第 %d 條 中華民國之主權屬於國民全體&amp;軟體。" % i).encode("big5") for i in range(2000)]
ITEMS += ["乾燥頭髮 %d" % i for i in range(500)]


@pytest.mark.parametrize("threads", [None, 1, 2, 3])
def test_many_equals_one_by_one_in_order(threads):
    want = [zhnorm.normalize(x) for x in ITEMS]
    assert zhnorm.normalize_many(ITEMS, threads=threads) == want


def test_many_takes_any_iterable_and_options():
    gen = (x for x in ["汉字", "软件"])
    assert zhnorm.normalize_many(gen, config="s2twp") == ["漢字", "軟體"]
    assert zhnorm.normalize_many([]) == []


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_a_long_generator_is_read_as_it_goes_and_kept_in_order(threads):
    # A generator has no length, so the items are read in chunks while
    # earlier chunks work; text that needs nothing comes back as it was.
    want = [zhnorm.normalize(x) for x in ITEMS]
    assert zhnorm.normalize_many((x for x in ITEMS), threads=threads) == want
    simplified = ["汉字 %d 已是简体" % i for i in range(3000)]
    assert zhnorm.normalize_many(iter(simplified), threads=threads) == simplified


@pytest.mark.parametrize("threads", [1, 2])
def test_unchanged_str_items_come_back_as_themselves(threads):
    items = ["已是简体 %d" % i for i in range(3000)] + ["頭髮 %d" % i for i in range(3000)]
    out = zhnorm.normalize_many(items, threads=threads)
    assert all(a is b for a, b in zip(items[:3000], out[:3000]))
    assert out[3000:] == ["头发 %d" % i for i in range(3000)]


@pytest.mark.parametrize("threads", [1, 2])
def test_many_keeps_every_kind_of_character(threads):
    # Results of each width Python stores (ASCII, Latin-1, BMP, beyond),
    # from str and from bytes, equal to one call each.
    units = ["abc", "café", "漢字", "𠀀頭髮", "\ufeff後", "&amp;軟體", "é"]
    items = [u + " %d" % i for i in range(800) for u in units]
    items += [x.encode("utf-8") for x in items[:2000]]
    want = [zhnorm.normalize(x) for x in items]
    assert zhnorm.normalize_many(items, threads=threads) == want
    assert "𠀀头发 0" in want and "café 0" in want


@pytest.mark.parametrize("threads", [1, 2])
def test_an_item_of_the_wrong_type_late_in_a_generator_raises_type_error(threads):
    def items():
        yield from ITEMS
        yield 5
        yield from ITEMS

    with pytest.raises(TypeError, match="int"):
        zhnorm.normalize_many(items(), threads=threads)
    # The pool is still usable afterwards.
    assert zhnorm.normalize_many(["乾燥"] * 200, threads=threads) == ["干燥"] * 200


def test_many_raises_the_first_failure_or_returns_it():
    binary = b"\x00\x01\x02" * 100
    items = [b"ok", binary, "fine", binary]
    with pytest.raises(zhnorm.BinaryInputError):
        zhnorm.normalize_many(items)
    out = zhnorm.normalize_many(items, errors="return")
    assert out[0] == "ok" and out[2] == "fine"
    assert isinstance(out[1], zhnorm.BinaryInputError) and isinstance(out[3], zhnorm.BinaryInputError)
    assert out[1].offset == 0
    with pytest.raises(ValueError):
        zhnorm.normalize_many(items, errors="ignore")


@pytest.mark.parametrize("threads", [1, 2])
def test_the_first_failure_by_position_is_raised_across_chunks(threads):
    # 5,000 items go to the pool in many chunks; failures late in the list
    # finish first on some runs, yet the first by position is the one raised.
    items = ["漢字 %d" % i for i in range(5000)]
    for i in (1500, 1501, 4999):
        items[i] = b"\x00\x00\x00\x00 binary"
    with pytest.raises(zhnorm.BinaryInputError) as e:
        zhnorm.normalize_many(items, threads=threads)
    if sys.version_info >= (3, 11):
        assert e.value.__notes__ == ["item 1500"]
    out = zhnorm.normalize_many(items, threads=threads, errors="return")
    assert [i for i, x in enumerate(out) if not isinstance(x, str)] == [1500, 1501, 4999]
    assert out[1499] == "汉字 1499" and out[4998] == "汉字 4998"


@pytest.mark.parametrize("threads", [0, -1, 1.5])
def test_bad_thread_counts(threads):
    with pytest.raises(ValueError):
        zhnorm.normalize_many(["x"], threads=threads)


def test_an_absurd_thread_count_is_capped_with_a_warning():
    # Without the cap this asked rayon for a pool of a trillion threads and
    # ran for minutes; the command's -j rule caps it at 4 per CPU.
    start = time.monotonic()
    with pytest.warns(RuntimeWarning, match="more than this machine can use"):
        out = zhnorm.normalize_many(["乾燥"] * 3, threads=10**12)
    assert out == ["干燥"] * 3
    with pytest.warns(RuntimeWarning):
        assert zhnorm.normalize_many(["乾燥"], threads=10**30) == ["干燥"]
    assert time.monotonic() - start < 30


def _ticks_during(call, times: int = 5) -> int:
    """How often a pure-Python thread got to run while `call` ran `times` times."""
    ticks = 0
    stop = threading.Event()

    def spin():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0)

    t = threading.Thread(target=spin)
    t.start()
    # Only count once the thread is known to be running.
    while ticks == 0:
        time.sleep(0.001)
    start = ticks
    # A thread holding the GIL keeps it for the whole call now: only a
    # release (or the spinner's own sleep) lets the other thread run.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(10.0)
    try:
        for _ in range(times):
            call()
    finally:
        sys.setswitchinterval(interval)
        stop.set()
        t.join()
    return ticks - start


def test_a_call_holding_the_gil_freezes_the_thread():
    # The measure itself can fail.
    big = b"x" * 200_000_000
    assert _ticks_during(lambda: big.count(b"y")) <= 10


def test_gil_is_released_during_work():
    # The thread would be frozen for the whole call if the GIL were held
    # (a GIL-holding call, bytes.count over 200 MB five times, lets it run
    # once or twice). The threshold is low because on a loaded machine the
    # thread may wait long for a CPU. (The text is long enough for convert
    # to take its piecewise path too.)
    big = ("中華民國之主權屬於國民全體。" * 40 + "\n") * 8000
    data = big.encode("big5")
    assert _ticks_during(lambda: zhnorm.normalize(data), times=1) > 10
    assert _ticks_during(lambda: zhnorm.normalize_many([data] * 4, threads=2), times=1) > 10
    assert _ticks_during(lambda: zhnorm.convert(big)) > 10
    assert _ticks_during(lambda: zhnorm.Converter("s2t").convert(big[:900_000])) > 10


def test_threads_calling_normalize_at_once_get_the_same_results():
    want = [zhnorm.normalize(x) for x in ITEMS]
    results = {}

    def work(k):
        results[k] = [zhnorm.normalize(x) for x in ITEMS]

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert all(results[k] == want for k in range(4))
