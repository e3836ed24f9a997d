"""What the servicers share: the store, the event bus, the summary engine, the
redaction state of live calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from warmtransfer.pipeline.summary.engine import RollingSummaryEngine
from warmtransfer.server.config import ServerConfig
from warmtransfer.server.event_bus import EventBus
from warmtransfer.server.event_relay import RedisEventRelay
from warmtransfer.server.indexing import HistoryIndexer
from warmtransfer.server.ingest_tokens import IngestTokens
from warmtransfer.server.media import LiveKitRooms
from warmtransfer.server.open_streams import OpenStreams
from warmtransfer.server.overload import LoadMonitor
from warmtransfer.server.owner_channels import OwnerChannels
from warmtransfer.server.ownership import CallOwnership
from warmtransfer.server.redactors import CallRedactors
from warmtransfer.server.store import CallStore
from warmtransfer.server.summary_storage import CallRef
from warmtransfer.server.transfer.coordinator import TransferCoordinator

__all__ = ["Deps"]


@dataclass(slots=True)
class Deps:
    config: ServerConfig
    store: CallStore
    bus: EventBus
    engine: RollingSummaryEngine[CallRef]
    redactors: CallRedactors
    indexer: HistoryIndexer
    media: LiveKitRooms | None
    transfers: TransferCoordinator
    ingest_tokens: IngestTokens
    load: LoadMonitor
    ownership: CallOwnership
    relay: RedisEventRelay | None = None  # wakes and interims across replicas (REDIS_URL)
    owner_channels: OwnerChannels = field(default_factory=OwnerChannels)  # streams forwarded
    open_streams: OpenStreams = field(default_factory=OpenStreams)  # transcript streams here
    stopping: asyncio.Event = field(default_factory=asyncio.Event)
