import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from warmtransfer.v1 import call_pb2 as _call_pb2
from warmtransfer.v1 import summary_pb2 as _summary_pb2
from warmtransfer.v1 import transcript_pb2 as _transcript_pb2
from warmtransfer.v1 import transfer_pb2 as _transfer_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class StreamTranscriptConfig(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class StreamTranscriptRequest(_message.Message):
    __slots__ = ("config", "segment")
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    config: StreamTranscriptConfig
    segment: _transcript_pb2.TranscriptSegment
    def __init__(self, config: _Optional[_Union[StreamTranscriptConfig, _Mapping]] = ..., segment: _Optional[_Union[_transcript_pb2.TranscriptSegment, _Mapping]] = ...) -> None: ...

class StreamTranscriptResponse(_message.Message):
    __slots__ = ("acked_seq", "duplicate")
    ACKED_SEQ_FIELD_NUMBER: _ClassVar[int]
    DUPLICATE_FIELD_NUMBER: _ClassVar[int]
    acked_seq: int
    duplicate: bool
    def __init__(self, acked_seq: _Optional[int] = ..., duplicate: _Optional[bool] = ...) -> None: ...

class GetTranscriptRequest(_message.Message):
    __slots__ = ("call_id", "view", "after_seq", "page_size")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    VIEW_FIELD_NUMBER: _ClassVar[int]
    AFTER_SEQ_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    view: _transcript_pb2.TranscriptView
    after_seq: int
    page_size: int
    def __init__(self, call_id: _Optional[str] = ..., view: _Optional[_Union[_transcript_pb2.TranscriptView, str]] = ..., after_seq: _Optional[int] = ..., page_size: _Optional[int] = ...) -> None: ...

class GetTranscriptResponse(_message.Message):
    __slots__ = ("segments", "has_more")
    SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    HAS_MORE_FIELD_NUMBER: _ClassVar[int]
    segments: _containers.RepeatedCompositeFieldContainer[_transcript_pb2.TranscriptSegment]
    has_more: bool
    def __init__(self, segments: _Optional[_Iterable[_Union[_transcript_pb2.TranscriptSegment, _Mapping]]] = ..., has_more: _Optional[bool] = ...) -> None: ...

class WatchCallRequest(_message.Message):
    __slots__ = ("call_id", "after_cursor", "live_only")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    AFTER_CURSOR_FIELD_NUMBER: _ClassVar[int]
    LIVE_ONLY_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    after_cursor: str
    live_only: bool
    def __init__(self, call_id: _Optional[str] = ..., after_cursor: _Optional[str] = ..., live_only: _Optional[bool] = ...) -> None: ...

class SegmentAdded(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _transcript_pb2.TranscriptSegment
    def __init__(self, segment: _Optional[_Union[_transcript_pb2.TranscriptSegment, _Mapping]] = ...) -> None: ...

class SegmentInterim(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _transcript_pb2.TranscriptSegment
    def __init__(self, segment: _Optional[_Union[_transcript_pb2.TranscriptSegment, _Mapping]] = ...) -> None: ...

class SegmentRedacted(_message.Message):
    __slots__ = ("segment",)
    SEGMENT_FIELD_NUMBER: _ClassVar[int]
    segment: _transcript_pb2.TranscriptSegment
    def __init__(self, segment: _Optional[_Union[_transcript_pb2.TranscriptSegment, _Mapping]] = ...) -> None: ...

class SummaryUpdated(_message.Message):
    __slots__ = ("summary",)
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    summary: _summary_pb2.CallSummary
    def __init__(self, summary: _Optional[_Union[_summary_pb2.CallSummary, _Mapping]] = ...) -> None: ...

class CallStateChanged(_message.Message):
    __slots__ = ("call", "previous_state")
    CALL_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    previous_state: _call_pb2.CallState
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ..., previous_state: _Optional[_Union[_call_pb2.CallState, str]] = ...) -> None: ...

class TransferStateChanged(_message.Message):
    __slots__ = ("transfer", "previous_state")
    TRANSFER_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_STATE_FIELD_NUMBER: _ClassVar[int]
    transfer: _transfer_pb2.Transfer
    previous_state: _transfer_pb2.TransferState
    def __init__(self, transfer: _Optional[_Union[_transfer_pb2.Transfer, _Mapping]] = ..., previous_state: _Optional[_Union[_transfer_pb2.TransferState, str]] = ...) -> None: ...

class ParticipantChanged(_message.Message):
    __slots__ = ("participant", "kind")
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    participant: _call_pb2.Participant
    kind: _call_pb2.ParticipantEventKind
    def __init__(self, participant: _Optional[_Union[_call_pb2.Participant, _Mapping]] = ..., kind: _Optional[_Union[_call_pb2.ParticipantEventKind, str]] = ...) -> None: ...

class WatchCallResponse(_message.Message):
    __slots__ = ("cursor", "event_time", "call_id", "segment_added", "segment_interim", "summary_updated", "call_state_changed", "transfer_state_changed", "participant_changed", "segment_redacted")
    CURSOR_FIELD_NUMBER: _ClassVar[int]
    EVENT_TIME_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_ADDED_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_INTERIM_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_UPDATED_FIELD_NUMBER: _ClassVar[int]
    CALL_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    TRANSFER_STATE_CHANGED_FIELD_NUMBER: _ClassVar[int]
    PARTICIPANT_CHANGED_FIELD_NUMBER: _ClassVar[int]
    SEGMENT_REDACTED_FIELD_NUMBER: _ClassVar[int]
    cursor: str
    event_time: _timestamp_pb2.Timestamp
    call_id: str
    segment_added: SegmentAdded
    segment_interim: SegmentInterim
    summary_updated: SummaryUpdated
    call_state_changed: CallStateChanged
    transfer_state_changed: TransferStateChanged
    participant_changed: ParticipantChanged
    segment_redacted: SegmentRedacted
    def __init__(self, cursor: _Optional[str] = ..., event_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., call_id: _Optional[str] = ..., segment_added: _Optional[_Union[SegmentAdded, _Mapping]] = ..., segment_interim: _Optional[_Union[SegmentInterim, _Mapping]] = ..., summary_updated: _Optional[_Union[SummaryUpdated, _Mapping]] = ..., call_state_changed: _Optional[_Union[CallStateChanged, _Mapping]] = ..., transfer_state_changed: _Optional[_Union[TransferStateChanged, _Mapping]] = ..., participant_changed: _Optional[_Union[ParticipantChanged, _Mapping]] = ..., segment_redacted: _Optional[_Union[SegmentRedacted, _Mapping]] = ...) -> None: ...
