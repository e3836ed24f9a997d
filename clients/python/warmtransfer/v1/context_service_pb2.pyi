import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from warmtransfer.v1 import summary_pb2 as _summary_pb2
from warmtransfer.v1 import transcript_pb2 as _transcript_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SearchContextRequest(_message.Message):
    __slots__ = ("query", "customer_id", "start_time", "end_time", "limit")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    query: str
    customer_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    limit: int
    def __init__(self, query: _Optional[str] = ..., customer_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., limit: _Optional[int] = ...) -> None: ...

class ContextSnippet(_message.Message):
    __slots__ = ("call_id", "speaker_role", "speaker_identity", "text", "start_offset", "call_started_at", "score")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_ROLE_FIELD_NUMBER: _ClassVar[int]
    SPEAKER_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    START_OFFSET_FIELD_NUMBER: _ClassVar[int]
    CALL_STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    speaker_role: _transcript_pb2.SpeakerRole
    speaker_identity: str
    text: str
    start_offset: _duration_pb2.Duration
    call_started_at: _timestamp_pb2.Timestamp
    score: float
    def __init__(self, call_id: _Optional[str] = ..., speaker_role: _Optional[_Union[_transcript_pb2.SpeakerRole, str]] = ..., speaker_identity: _Optional[str] = ..., text: _Optional[str] = ..., start_offset: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., call_started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class SearchContextResponse(_message.Message):
    __slots__ = ("snippets",)
    SNIPPETS_FIELD_NUMBER: _ClassVar[int]
    snippets: _containers.RepeatedCompositeFieldContainer[ContextSnippet]
    def __init__(self, snippets: _Optional[_Iterable[_Union[ContextSnippet, _Mapping]]] = ...) -> None: ...

class GetCallContextRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class PreviousCall(_message.Message):
    __slots__ = ("call_id", "started_at", "summary", "moments")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    MOMENTS_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    started_at: _timestamp_pb2.Timestamp
    summary: _summary_pb2.CallSummary
    moments: _containers.RepeatedCompositeFieldContainer[ContextSnippet]
    def __init__(self, call_id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., summary: _Optional[_Union[_summary_pb2.CallSummary, _Mapping]] = ..., moments: _Optional[_Iterable[_Union[ContextSnippet, _Mapping]]] = ...) -> None: ...

class GetCallContextResponse(_message.Message):
    __slots__ = ("summary", "previous_calls")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_CALLS_FIELD_NUMBER: _ClassVar[int]
    summary: _summary_pb2.CallSummary
    previous_calls: _containers.RepeatedCompositeFieldContainer[PreviousCall]
    def __init__(self, summary: _Optional[_Union[_summary_pb2.CallSummary, _Mapping]] = ..., previous_calls: _Optional[_Iterable[_Union[PreviousCall, _Mapping]]] = ...) -> None: ...
