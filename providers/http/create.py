"""Creates that land once, however the connection behaves.

A POST that timed out or lost its connection may have been committed; sending it again blindly
would create a duplicate. So after an unknown outcome the record is looked up by its ownership
marker, and only a record that is not there is sent again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from syncset.errors import WriteRejected
from syncset.providers.http.clock import SYSTEM_CLOCK, Clock
from syncset.providers.http.errors import OutcomeUnknown

Record = TypeVar("Record")


def create_once(
    send: Callable[[], Record],
    find: Callable[[], Record | None] | None,
    attempts: int,
    what: str,
    grace: float = 0.0,
    clock: Clock = SYSTEM_CLOCK,
) -> Record:
    """Send a create, and after an unknown outcome look it up by its marker before re-sending.

    ``find`` is None when the create carries no marker: an unknown outcome is then reported,
    never repeated. After a timeout the look-up waits ``grace`` seconds (on ``clock``) first,
    since the server may still be writing. A re-send that the account refuses (a unique name
    "already taken") is looked up once more, because the first send may have landed after the
    look-up.
    """
    resent = False
    for _ in range(attempts):
        try:
            return send()
        except OutcomeUnknown as exc:
            if find is None:
                raise
            if exc.pending:
                # We stopped waiting, the server may not have: a look-up now could miss a
                # record that is still being written, and the re-send would duplicate it.
                clock.sleep(grace)
        except WriteRejected:
            found = find() if resent and find is not None else None
            if found is None:
                raise
            return found
        found = find()
        if found is not None:
            return found
        resent = True
    raise OutcomeUnknown(
        f"{what}: no answer after {attempts} attempts, and not found by its ownership marker: "
        "run apply again"
    )
