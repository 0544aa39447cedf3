import gc
from collections.abc import Iterator

import pytest

from bot.adapters.heap import YOUNG_THRESHOLD, settle_heap


@pytest.fixture
def restored_collector() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_settling_keeps_the_heap_out_of_collections_and_collects_less_often(
    restored_collector: None,
) -> None:
    kept = [object() for _ in range(1000)]
    settle_heap()
    assert gc.get_freeze_count() >= len(kept)  # what existed is out of every pass
    assert gc.get_threshold() == (YOUNG_THRESHOLD, 50, 100)
