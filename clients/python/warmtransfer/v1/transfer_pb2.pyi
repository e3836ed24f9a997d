import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TransferState(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    TRANSFER_STATE_UNSPECIFIED: _ClassVar[TransferState]
    TRANSFER_STATE_CONSULTING: _ClassVar[TransferState]
    TRANSFER_STATE_COMPLETING: _ClassVar[TransferState]
    TRANSFER_STATE_COMPLETED: _ClassVar[TransferState]
    TRANSFER_STATE_CANCELLED: _ClassVar[TransferState]
    TRANSFER_STATE_FAILED: _ClassVar[TransferState]
    TRANSFER_STATE_DECLINED: _ClassVar[TransferState]
TRANSFER_STATE_UNSPECIFIED: TransferState
TRANSFER_STATE_CONSULTING: TransferState
TRANSFER_STATE_COMPLETING: TransferState
TRANSFER_STATE_COMPLETED: TransferState
TRANSFER_STATE_CANCELLED: TransferState
TRANSFER_STATE_FAILED: TransferState
TRANSFER_STATE_DECLINED: TransferState

class Transfer(_message.Message):
    __slots__ = ("transfer_id", "call_id", "state", "from_identity", "to_identity", "reason", "consult_room_name", "created_at", "updated_at", "end_reason", "accepted_at")
    TRANSFER_ID_FIELD_NUMBER: _ClassVar[int]
    CALL_ID_FIELD_NUMBER: _ClassVar[int]
    STATE_FIELD_NUMBER: _ClassVar[int]
    FROM_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    TO_IDENTITY_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    CONSULT_ROOM_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    UPDATED_AT_FIELD_NUMBER: _ClassVar[int]
    END_REASON_FIELD_NUMBER: _ClassVar[int]
    ACCEPTED_AT_FIELD_NUMBER: _ClassVar[int]
    transfer_id: str
    call_id: str
    state: TransferState
    from_identity: str
    to_identity: str
    reason: str
    consult_room_name: str
    created_at: _timestamp_pb2.Timestamp
    updated_at: _timestamp_pb2.Timestamp
    end_reason: str
    accepted_at: _timestamp_pb2.Timestamp
    def __init__(self, transfer_id: _Optional[str] = ..., call_id: _Optional[str] = ..., state: _Optional[_Union[TransferState, str]] = ..., from_identity: _Optional[str] = ..., to_identity: _Optional[str] = ..., reason: _Optional[str] = ..., consult_room_name: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., updated_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_reason: _Optional[str] = ..., accepted_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
