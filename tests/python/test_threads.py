"""normalize_many (order, threads, errors) and the GIL released during work."""

from __future__ import annotations

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


@pytest.mark.parametrize("threads", [0, -1, 1.5])
def test_bad_thread_counts(threads):
    with pytest.raises(ValueError):
        zhnorm.normalize_many(["x"], threads=threads)


def _ticks_during(call) -> int:
    """How often a pure-Python thread got to run while `call` ran."""
    ticks = 0
    stop = threading.Event()

    def spin():
        nonlocal ticks
        while not stop.is_set():
            ticks += 1
            time.sleep(0)

    t = threading.Thread(target=spin)
    t.start()
    time.sleep(0.01)
    start = ticks
    try:
        call()
    finally:
        stop.set()
        t.join()
    return ticks - start


def test_gil_is_released_during_work():
    # The thread would be frozen for the whole call if the GIL were held:
    # a switch or two at the call's start and end at most. (The text is
    # long enough for convert to take its piecewise path too.)
    big = ("中華民國之主權屬於國民全體。" * 40 + "\n") * 8000
    data = big.encode("big5")
    assert _ticks_during(lambda: zhnorm.normalize(data)) > 50
    assert _ticks_during(lambda: zhnorm.normalize_many([data] * 4, threads=2)) > 50
    assert _ticks_during(lambda: zhnorm.convert(big)) > 20
    assert _ticks_during(lambda: zhnorm.Converter("s2t").convert(big[:900_000])) > 20


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
