"""Imported by the fork server the worker's job processes are forked from (see
`shared_models.register`): the jobs' modules, and everything they import, loaded once.

The objects made by those imports are then frozen out of the garbage collector's reach
(`gc.freeze`): a collection in a forked process would otherwise write to every one of them and
copy the pages they live on into that process, undoing the sharing.
"""

from __future__ import annotations

import gc

import warmtransfer.pipeline.worker.jobs  # noqa: F401

gc.freeze()
