import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from warmtransfer.v1 import call_pb2 as _call_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateCallRequest(_message.Message):
    __slots__ = ("customer_id", "metadata")
    class MetadataEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    metadata: _containers.ScalarMap[str, str]
    def __init__(self, customer_id: _Optional[str] = ..., metadata: _Optional[_Mapping[str, str]] = ...) -> None: ...

class CreateCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ...) -> None: ...

class GetCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class GetCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ...) -> None: ...

class ListCallsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "state", "customer_id")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    state: _call_pb2.CallState
    customer_id: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., state: _Optional[_Union[_call_pb2.CallState, str]] = ..., customer_id: _Optional[str] = ...) -> None: ...

class ListCallsResponse(_message.Message):
    __slots__ = ("calls", "next_page_token")
    CALLS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    calls: _containers.RepeatedCompositeFieldContainer[_call_pb2.Call]
    next_page_token: str
    def __init__(self, calls: _Optional[_Iterable[_Union[_call_pb2.Call, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class EndCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class EndCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ...) -> None: ...

class IssueTokenRequest(_message.Message):
    __slots__ = ("call_id", "identity", "role")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    identity: str
    role: _call_pb2.ParticipantRole
    def __init__(self, call_id: _Optional[str] = ..., identity: _Optional[str] = ..., role: _Optional[_Union[_call_pb2.ParticipantRole, str]] = ...) -> None: ...

class IssueTokenResponse(_message.Message):
    __slots__ = ("token", "livekit_url", "room_name", "expires_at")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    LIVEKIT_URL_FIELD_NUMBER: _ClassVar[int]
    ROOM_NAME_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_AT_FIELD_NUMBER: _ClassVar[int]
    token: str
    livekit_url: str
    room_name: str
    expires_at: _timestamp_pb2.Timestamp
    def __init__(self, token: _Optional[str] = ..., livekit_url: _Optional[str] = ..., room_name: _Optional[str] = ..., expires_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ListParticipantsRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class ListParticipantsResponse(_message.Message):
    __slots__ = ("participants",)
    PARTICIPANTS_FIELD_NUMBER: _ClassVar[int]
    participants: _containers.RepeatedCompositeFieldContainer[_call_pb2.Participant]
    def __init__(self, participants: _Optional[_Iterable[_Union[_call_pb2.Participant, _Mapping]]] = ...) -> None: ...

class RemoveParticipantRequest(_message.Message):
    __slots__ = ("call_id", "identity")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    identity: str
    def __init__(self, call_id: _Optional[str] = ..., identity: _Optional[str] = ...) -> None: ...

class RemoveParticipantResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class HoldCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class HoldCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ...) -> None: ...

class ResumeCallRequest(_message.Message):
    __slots__ = ("call_id",)
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    def __init__(self, call_id: _Optional[str] = ...) -> None: ...

class ResumeCallResponse(_message.Message):
    __slots__ = ("call",)
    CALL_FIELD_NUMBER: _ClassVar[int]
    call: _call_pb2.Call
    def __init__(self, call: _Optional[_Union[_call_pb2.Call, _Mapping]] = ...) -> None: ...

class RecordParticipantEventRequest(_message.Message):
    __slots__ = ("call_id", "identity", "kind", "occurred_at")
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    OCCURRED_AT_FIELD_NUMBER: _ClassVar[int]
    call_id: str
    identity: str
    kind: _call_pb2.ParticipantEventKind
    occurred_at: _timestamp_pb2.Timestamp
    def __init__(self, call_id: _Optional[str] = ..., identity: _Optional[str] = ..., kind: _Optional[_Union[_call_pb2.ParticipantEventKind, str]] = ..., occurred_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordParticipantEventResponse(_message.Message):
    __slots__ = ("participant",)
    PARTICIPANT_FIELD_NUMBER: _ClassVar[int]
    participant: _call_pb2.Participant
    def __init__(self, participant: _Optional[_Union[_call_pb2.Participant, _Mapping]] = ...) -> None: ...
