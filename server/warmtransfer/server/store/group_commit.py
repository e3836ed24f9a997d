"""Group commit: many writers, one thread, one transaction per batch.

Every write is a function of a connection. Writes queue up while the previous batch commits;
the next batch takes all of them in one transaction (each inside its own SAVEPOINT, so one
write's domain error rolls back that write only) and one fsync. A write's future resolves only
after its transaction has committed: callers acknowledge data only then.

Each write names the keys it serializes on; the batch's transaction holds all of them (see
`engine`). A transaction the engine reports as lost to another process (a deadlock, a
serialization failure) is rolled back and the whole batch run again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from warmtransfer.server.errors import WarmTransferError
from warmtransfer.server.store.engine import Conn, Engine

__all__ = ["GroupCommitWriter", "StoreClosed"]

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_BATCH = 1024
MAX_ATTEMPTS = 5


class StoreClosed(RuntimeError):
    """A write arrived after the store began to close."""


@dataclass(slots=True)
class _Write:
    fn: Callable[[Conn], Any]
    future: asyncio.Future[Any]
    notify: tuple[str, ...]
    locks: tuple[str, ...]
    outcome: tuple[bool, Any] = field(default=(False, None))


class GroupCommitWriter:
    """Runs writes on one connection in one thread, batching concurrent ones per commit."""

    def __init__(
        self, engine: Engine, *, on_commit: Callable[[set[str]], None] = lambda keys: None
    ) -> None:
        self._engine = engine
        self._on_commit = on_commit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="store-writer")
        self._queue: asyncio.Queue[_Write | None] = asyncio.Queue()
        self._conn: Conn | None = None
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._conn = await loop.run_in_executor(self._executor, self._engine.connect)
        self._task = asyncio.create_task(self._run(), name="store-writer")

    async def submit(
        self,
        fn: Callable[[Conn], T],
        *,
        notify: str | tuple[str, ...] = (),
        locks: str | tuple[str, ...] | None = None,
    ) -> T:
        """Run `fn` in a transaction; return its result once the transaction has committed."""
        return await self.enqueue(fn, notify=notify, locks=locks)

    def enqueue(
        self,
        fn: Callable[[Conn], T],
        *,
        notify: str | tuple[str, ...] = (),
        locks: str | tuple[str, ...] | None = None,
    ) -> asyncio.Future[T]:
        """Queue `fn` now (writes run in the order queued); the future resolves after commit.

        When `fn` succeeds, `notify` (one key or several) is among the keys passed to
        `on_commit` after the commit, even if nobody awaits the future any more. `locks` are
        the keys the write serializes on (default: the ones it notifies).
        """
        if self._closing:
            raise StoreClosed("the call store is shutting down")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        keys = (notify,) if isinstance(notify, str) else notify
        held = keys if locks is None else (locks,) if isinstance(locks, str) else locks
        self._queue.put_nowait(_Write(fn, future, keys, held))
        return future

    async def close(self) -> None:
        """Commit every queued write, then close the connection."""
        self._closing = True
        if self._task is not None:
            self._queue.put_nowait(None)
            await self._task
        if self._conn is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._conn.close)
        self._executor.shutdown(wait=True)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        stop = False
        while not stop:
            first = await self._queue.get()
            if first is None:
                break
            batch = [first]
            while len(batch) < MAX_BATCH:
                try:
                    item = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    break
                if item is None:
                    stop = True
                    break
                batch.append(item)
            try:
                await loop.run_in_executor(self._executor, self._commit, batch)
            except Exception as exc:  # the commit itself failed: nothing in the batch is stored
                log.exception("store commit failed for %d writes", len(batch))
                for write in batch:
                    if not write.future.done():
                        write.future.set_exception(exc)
                continue
            self._on_commit({key for w in batch if w.outcome[0] for key in w.notify})
            for write in batch:
                if write.future.done():  # the caller went away; its write is committed anyway
                    continue
                ok, value = write.outcome
                if ok:
                    write.future.set_result(value)
                else:
                    write.future.set_exception(value)

    def _commit(self, batch: list[_Write]) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                self._commit_once(batch)
                return
            except Exception as exc:
                if attempt == MAX_ATTEMPTS or not self._engine.retryable(exc):
                    raise
                log.info(
                    "store batch of %d writes lost a race (%s); running it again",
                    len(batch),
                    type(exc).__name__,
                )

    def _commit_once(self, batch: list[_Write]) -> None:
        conn = self._conn
        assert conn is not None
        self._engine.begin_write(conn, (key for write in batch for key in write.locks))
        try:
            for write in batch:
                conn.execute("SAVEPOINT w")
                try:
                    write.outcome = (True, write.fn(conn))
                except WarmTransferError as exc:
                    conn.execute("ROLLBACK TO w")
                    write.outcome = (False, exc)
                except Exception as exc:
                    if self._engine.retryable(exc):
                        raise  # the whole transaction is lost, not this write alone
                    log.exception("store write failed")
                    conn.execute("ROLLBACK TO w")
                    write.outcome = (False, exc)
                conn.execute("RELEASE w")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
