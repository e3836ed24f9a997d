import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from warmtransfer.v1 import summary_pb2 as _summary_pb2
from warmtransfer.v1 import transcript_pb2 as _transcript_pb2
from warmtransfer.v1 import transfer_pb2 as _transfer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StartTransferRequest(_message.Message):
    __slots__ = ("call_id", "from_identity", "to_identity", "reason")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TO_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    from_identity: str
    to_identity: str
    reason: str
    def __init__(self, call_id: _Optional[str] = ..., from_identity: _Optional[str] = ..., to_identity: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class Briefing(_message.Message):
    __slots__ = ("summary", "pending_segments", "text")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PENDING_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    summary: _summary_pb2.CallSummary
    pending_segments: _containers.RepeatedCompositeFieldContainer[_transcript_pb2.TranscriptSegment]
    text: str
    def __init__(self, summary: _Optional[_Union[_summary_pb2.CallSummary, _Mapping]] = ..., pending_segments: _Optional[_Iterable[_Union[_transcript_pb2.TranscriptSegment, _Mapping]]] = ..., text: _Optional[str] = ...) -> None: ...

class StartTransferResponse(_message.Message):
    __slots__ = ("transfer", "briefing", "from_consult_token", "to_consult_token", "livekit_url")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    BRIEFING_FIELD_NUMBER: _ClassVar[int]
    FROM_CONSULT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TO_CONSULT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LIVEKIT_URL_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    briefing: Briefing
    from_consult_token: str
    to_consult_token: str
    livekit_url: str
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ..., briefing: _Optional[_Union[Briefing, _Mapping]] = ..., from_consult_token: _Optional[str] = ..., to_consult_token: _Optional[str] = ..., livekit_url: _Optional[str] = ...) -> None: ...

class CompleteTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    def __init__(self, transfer_id: _Optional[str] = ...) -> None: ...

class CompleteTransferResponse(_message.Message):
    __slots__ = ("transfer", "to_call_token")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    TO_CALL_TOKEN_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    to_call_token: str
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ..., to_call_token: _Optional[str] = ...) -> None: ...

class CancelTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    def __init__(self, transfer_id: _Optional[str] = ...) -> None: ...

class CancelTransferResponse(_message.Message):
    __slots__ = ("transfer",)
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ...) -> None: ...

class GetTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    def __init__(self, transfer_id: _Optional[str] = ...) -> None: ...

class GetTransferResponse(_message.Message):
    __slots__ = ("transfer",)
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ...) -> None: ...

class WatchAgentRequest(_message.Message):
    __slots__ = ("identity", "after_cursor")
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    identity: str
    after_cursor: str
    def __init__(self, identity: _Optional[str] = ..., after_cursor: _Optional[str] = ...) -> None: ...

class WatchAgentResponse(_message.Message):
    __slots__ = ("cursor", "event_time", "transfer", "previous_state", "briefing")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    BRIEFING_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    event_time: _timestamp_pb2.Timestamp
    transfer: _transfer_pb2.Transfer
    previous_state: _transfer_pb2.TransferState
    briefing: Briefing
    def __init__(self, cursor: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ..., previous_state: _Optional[_Union[_transfer_pb2.TransferState, str]] = ..., briefing: _Optional[_Union[Briefing, _Mapping]] = ...) -> None: ...

class AcceptTransferRequest(_message.Message):
    __slots__ = ("transfer_id",)
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    def __init__(self, transfer_id: _Optional[str] = ...) -> None: ...

class AcceptTransferResponse(_message.Message):
    __slots__ = ("transfer", "briefing", "consult_token", "livekit_url")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    BRIEFING_FIELD_NUMBER: _ClassVar[int]
    CONSULT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    LIVEKIT_URL_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    briefing: Briefing
    consult_token: str
    livekit_url: str
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ..., briefing: _Optional[_Union[Briefing, _Mapping]] = ..., consult_token: _Optional[str] = ..., livekit_url: _Optional[str] = ...) -> None: ...

class DeclineTransferRequest(_message.Message):
    __slots__ = ("transfer_id", "reason")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    reason: str
    def __init__(self, transfer_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class DeclineTransferResponse(_message.Message):
    __slots__ = ("transfer",)
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ...) -> None: ...
