"""`produces(o0=Metadata(...))`: declare the outputs of the task called inside the block."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

from ._metadata import Metadata


@contextmanager
def produces(**outputs: Metadata) -> Iterator[None]:
    """The task called inside this block publishes its outputs as these artifacts (keywords are
    output names: `o0` for the first). Checked at once; outside a task this does nothing.
    Locally, every task called in the block that succeeds gets its outputs recorded in the
    run's artifact log, as a backend would publish them (so call one task per block)."""
    for slot, md in outputs.items():
        if not isinstance(md, Metadata):
            raise TypeError(f"produces({slot}=...) takes a flyte.artifacts.Metadata, got {type(md).__name__}")
    from ._local import declaring

    with declaring(dict(outputs)):
        yield
