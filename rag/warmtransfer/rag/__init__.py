"""Redaction and retrieval over call transcripts."""
