from warmtransfer.v1 import summary_pb2 as _summary_pb2
from warmtransfer.v1 import transcript_pb2 as _transcript_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class GetSummaryRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class GetSummaryResponse(_message.Message):
    __slots__ = ("summary", "pending_segments")
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    PENDING_SEGMENTS_FIELD_NUMBER: _ClassVar[int]
    summary: _summary_pb2.CallSummary
    pending_segments: _containers.RepeatedCompositeFieldContainer[_transcript_pb2.TranscriptSegment]
    def __init__(self, summary: _Optional[_Union[_summary_pb2.CallSummary, _Mapping]] = ..., pending_segments: _Optional[_Iterable[_Union[_transcript_pb2.TranscriptSegment, _Mapping]]] = ...) -> None: ...
