"""The composition root: builds the store, engine and servicers, serves, and shuts down cleanly.

Shutdown order: stop taking new RPCs; tell watchers to resume elsewhere (UNAVAILABLE with their
cursor); let ingest streams finish within the grace period (every segment they acknowledged is
already committed, the rest is re-sent by the client); finish due summary refreshes; commit
whatever the store still has queued.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from warmtransfer.pipeline.summary.engine import RollingSummaryEngine
from warmtransfer.pipeline.summary.fallback import FallbackSummarizer
from warmtransfer.pipeline.summary.llm import build_llm
from warmtransfer.pipeline.summary.model import Summarizer
from warmtransfer.pipeline.summary.offline import OfflineSummarizer
from warmtransfer.rag.embeddings import Embedder, build_embedder, embedding_provider
from warmtransfer.rag.vector_store import VectorStore, open_vector_store
from warmtransfer.server.config import ServerConfig
from warmtransfer.server.embedding_worker import EmbeddingWorker
from warmtransfer.server.event_bus import EventBus
from warmtransfer.server.event_relay import RedisEventRelay
from warmtransfer.server.indexing import HistoryIndexer
from warmtransfer.server.ingest_tokens import IngestTokens, load_secret
from warmtransfer.server.interceptors import RequestInterceptor
from warmtransfer.server.media import LiveKitRooms
from warmtransfer.server.open_streams import OpenStreams
from warmtransfer.server.overload import LoadMonitor
from warmtransfer.server.ownership import CallOwnership, load_replica_id
from warmtransfer.server.redactors import CallRedactors
from warmtransfer.server.servicers.calls import CallServicer
from warmtransfer.server.servicers.context import ContextServicer
from warmtransfer.server.servicers.deps import Deps
from warmtransfer.server.servicers.summaries import SummaryServicer
from warmtransfer.server.servicers.transcripts import TranscriptServicer
from warmtransfer.server.servicers.transfers import TransferServicer
from warmtransfer.server.store import CallStore
from warmtransfer.server.store.transfers import TRANSFERS_KEY
from warmtransfer.server.summary_storage import CallRef, StoreSummaryStorage
from warmtransfer.server.summary_worker import WorkerSummarizer
from warmtransfer.server.transfer.coordinator import TransferCoordinator
from warmtransfer.server.workers import default_worker_count
from warmtransfer.v1 import (
    call_service_pb2,
    call_service_pb2_grpc,
    context_service_pb2,
    context_service_pb2_grpc,
    summary_service_pb2,
    summary_service_pb2_grpc,
    transcript_service_pb2,
    transcript_service_pb2_grpc,
    transfer_service_pb2,
    transfer_service_pb2_grpc,
)

__all__ = ["RunningServer", "start_server"]

log = logging.getLogger(__name__)

SERVICE_NAMES = (
    call_service_pb2.DESCRIPTOR.services_by_name["CallService"].full_name,
    transcript_service_pb2.DESCRIPTOR.services_by_name["TranscriptService"].full_name,
    summary_service_pb2.DESCRIPTOR.services_by_name["SummaryService"].full_name,
    transfer_service_pb2.DESCRIPTOR.services_by_name["TransferService"].full_name,
    context_service_pb2.DESCRIPTOR.services_by_name["ContextService"].full_name,
)


@dataclass(slots=True)
class RunningServer:
    """A started server: its bound port and what it is made of."""

    server: grpc.aio.Server
    port: int
    deps: Deps
    health: health.aio.HealthServicer

    async def stop(self, grace: float | None = None) -> None:
        """Drain and stop (see the module docstring for the order); stopping again does nothing."""
        deps = self.deps
        if deps.stopping.is_set():
            return
        grace = deps.config.shutdown_grace_seconds if grace is None else grace
        deps.stopping.set()
        await deps.load.close()
        await self.health.enter_graceful_shutdown()
        deps.bus.close()
        await self.server.stop(grace)
        await deps.transfers.close()
        await deps.engine.close()
        await deps.indexer.close()
        await deps.ownership.close()  # its calls' work is written: others take them at once
        await deps.redactors.close()
        if deps.relay is not None:
            await deps.relay.close()
        await deps.store.close()
        await deps.owner_channels.close()
        if deps.media is not None:
            await deps.media.close()


def advertised(config: ServerConfig, port: int) -> str | None:
    """Where the other replicas reach this one: WARMTRANSFER_ADVERTISE_ADDRESS, else the listen
    host with the port bound, else (listening on every interface) this host's own address."""
    if config.advertise_address:
        return config.advertise_address
    host = config.listen.rsplit(":", 1)[0].strip("[]")
    if host in ("", "0.0.0.0", "::"):
        try:
            host = socket.gethostbyname(socket.gethostname())
        except OSError:
            return None
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def open_history(config: ServerConfig) -> tuple[VectorStore, Embedder]:
    """The call-history index: Qdrant (a server when configured, else Qdrant's engine under the
    data directory) and the embedder; one collection per embedding model."""
    embedder = build_embedder(config.embedding_env)
    collection = "chunks-" + re.sub(r"[^a-z0-9]+", "-", embedder.name.lower()).strip("-")
    if config.qdrant_url:
        vectors = open_vector_store(
            url=config.qdrant_url,
            api_key=config.qdrant_api_key,
            dimension=embedder.dimension,
            collection=collection,
        )
    else:
        vectors = open_vector_store(
            path=str(config.data_dir / "qdrant"),
            dimension=embedder.dimension,
            collection=collection,
        )
    return vectors, embedder


async def start_server(config: ServerConfig) -> RunningServer:
    """Open the store, resume summaries that fell behind, and start serving `config.listen`."""
    bus = EventBus()
    store = await CallStore.open(
        config.data_dir,
        database_url=config.database_url,
        limits=config.limits,
        listener=bus.committed,
    )
    relay = None
    if config.redis_url:  # replicas: their watchers woken by each other's commits
        relay = RedisEventRelay(config.redis_url, bus)
        await relay.start()
        if config.ingest_secret is None:
            log.warning(
                "REDIS_URL is set (replicas) but WARMTRANSFER_INGEST_SECRET is not: the media "
                "worker's call tokens and the streams forwarded to a call's owner are good only "
                "on the replica that made them; give every replica the same secret"
            )
        if config.qdrant_url is None:
            log.warning(
                "REDIS_URL is set (replicas) but QDRANT_URL is not: this replica's history "
                "index is its own, so it indexes only the calls it owns and SearchContext here "
                "misses the other replicas' calls; point every replica at one Qdrant server"
            )
    local_embedding = embedding_provider(config.embedding_env) != "openai"
    workers = config.workers
    if workers is None:  # a CPU for the history's embedding, unless a provider embeds
        workers = default_worker_count(reserved=1 if local_embedding else 0)
    # With worker processes, the offline summarizer's rules run in one of their own.
    offline = WorkerSummarizer(priority=config.worker_priority) if workers else None
    summarizer: Summarizer = offline or OfflineSummarizer()
    if config.llm is not None:  # the LLM, with the offline summarizer standing in when it fails
        summarizer = FallbackSummarizer(build_llm(config.llm), summarizer)
    engine: RollingSummaryEngine[CallRef] = RollingSummaryEngine(
        summarizer,
        StoreSummaryStorage(
            store,
            raw_tenants=config.llm_raw_tenants,
            fence=lambda call_id: ownership.fence(call_id),
        ),
        every_segments=config.summary_every_segments,
        every_seconds=config.summary_every_seconds,
    )
    media = LiveKitRooms(config.livekit) if config.livekit is not None else None
    redactors = CallRedactors(
        style=config.redaction_style, workers=workers, priority=config.worker_priority
    )
    # With worker processes, the history's embedding on this machine gets one of its own.
    embed_worker = (
        EmbeddingWorker(config.embedding_env, priority=config.worker_priority)
        if local_embedding and workers
        else None
    )
    await asyncio.gather(
        redactors.load(),
        embed_worker.embed([]) if embed_worker else asyncio.sleep(0),
        offline.load() if offline else asyncio.sleep(0),
    )
    indexer = HistoryIndexer(
        store,
        *await asyncio.to_thread(open_history, config),
        embed_worker=embed_worker,
        fence=lambda call_id: ownership.fence(call_id),
    )

    def work(ref: CallRef) -> None:  # an owned call's summary and index catch up
        engine.segment_stored(ref, count=config.summary_every_segments)
        indexer.call_changed(ref)

    def finish(ref: CallRef) -> None:  # an owned call ended: its final summary
        engine.finalize(ref)
        indexer.call_changed(ref)

    ownership = CallOwnership(
        store,
        await asyncio.to_thread(load_replica_id, config.data_dir),
        lease_s=config.owner_lease_seconds,
        work=work,
        finish=finish,
        after_round=lambda: transfers.watch_owned(),
    )
    transfers = TransferCoordinator(
        store,
        media,
        join_timeout_s=config.transfer_join_timeout_seconds,
        arrival_timeout_s=config.transfer_arrival_timeout_seconds,
        poll_interval_s=config.transfer_poll_seconds,
        ownership=ownership,
    )

    def remote_committed(keys: set[str]) -> None:  # another replica stored an owned call's
        for key in keys:
            if key.startswith(TRANSFERS_KEY):  # a transfer started or changed elsewhere
                transfers.transfer_changed(key.removeprefix(TRANSFERS_KEY))
                continue
            ref = ownership.owned(key)
            if ref is not None:
                engine.segment_stored(ref)
                indexer.call_changed(ref)

    bus.on_remote = remote_committed
    tokens = IngestTokens(load_secret(config.ingest_secret, config.data_dir))
    deps = Deps(
        config=config,
        store=store,
        bus=bus,
        engine=engine,
        redactors=redactors,
        indexer=indexer,
        media=media,
        transfers=transfers,
        ingest_tokens=tokens,
        load=LoadMonitor(
            {
                "redaction_backlog_s": redactors.backlog_seconds,
                "history_lag_s": indexer.lag_seconds,
            }
        ),
        ownership=ownership,
        relay=relay,
        open_streams=OpenStreams(ownership),
    )
    await indexer.start()
    # This replica's calls from before a restart, and calls whose owner died, resume here,
    # with their transfers under way.
    await ownership.start()

    # No SO_REUSEPORT: a second server on a port already served fails to start, instead of
    # silently sharing its connections with the first.
    server = grpc.aio.server(
        interceptors=[RequestInterceptor(config.api_keys, tokens)],
        options=[("grpc.so_reuseport", 0)],
    )
    call_service_pb2_grpc.add_CallServiceServicer_to_server(CallServicer(deps), server)
    transcript_service_pb2_grpc.add_TranscriptServiceServicer_to_server(
        TranscriptServicer(deps), server
    )
    summary_service_pb2_grpc.add_SummaryServiceServicer_to_server(SummaryServicer(deps), server)
    transfer_service_pb2_grpc.add_TransferServiceServicer_to_server(TransferServicer(deps), server)
    context_service_pb2_grpc.add_ContextServiceServicer_to_server(ContextServicer(deps), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection((*SERVICE_NAMES, reflection.SERVICE_NAME), server)
    try:
        port = server.add_insecure_port(config.listen)
    except RuntimeError:  # grpcio raises when the address is taken
        port = 0
    if port == 0:
        await deps.engine.close()
        await indexer.close()
        await ownership.close()
        await redactors.close()
        if relay is not None:
            await relay.close()
        await store.close()
        raise OSError(f"cannot listen on {config.listen}: is another server using it?")
    ownership.address = advertised(config, port)
    await server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)

    async def saturation_changed(saturated: bool) -> None:  # readiness: "" is what probes ask
        status = health_pb2.HealthCheckResponse
        await health_servicer.set("", status.NOT_SERVING if saturated else status.SERVING)

    deps.load.on_change = saturation_changed
    deps.load.start()
    return RunningServer(server, port, deps, health_servicer)
