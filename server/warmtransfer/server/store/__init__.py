"""The durable call store: SQLite (embedded, WAL, group commit) or PostgreSQL (`DATABASE_URL`)."""

from warmtransfer.server.store.call_store import AppendResult, CallStore, StoredSummary

__all__ = ["AppendResult", "CallStore", "StoredSummary"]
