#!/usr/bin/python3
"""An independent reader of TensorBoard event files, for the tests of src/metrics/tfevents.ts.

Written from the published formats, sharing nothing with the writer: the TFRecord framing
(uint64 length, masked CRC-32C of the length, data, masked CRC-32C of the data) with its own
CRC-32C, and the Event / Summary messages of TensorBoard's event.proto and summary.proto declared
here with descriptor_pb2 and decoded by Debian's python3-protobuf (Google's implementation).

Usage: read_tfevents.py FILE  -> one JSON object per event on stdout; exit 1 on a bad record.
"""
import json
import struct
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def masked(data):
    c = crc32c(data)
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def _message(container, name, fields, oneof=None):
    """Adds message `name` to `container`; each field is (name, number, type[, extras for .add()])."""
    msg = container.add(name=name)
    if oneof is not None:
        msg.oneof_decl.add(name=oneof)
    for fname, number, ftype, *extra in fields:
        msg.field.add(name=fname, number=number, type=ftype, label=F.LABEL_OPTIONAL, **(extra[0] if extra else {}))
    return msg


def event_class():
    """tensorflow.Event and tensorflow.Summary, with the field numbers of the published .proto files."""
    fd = descriptor_pb2.FileDescriptorProto(name="tensorflow/event_reader.proto", package="tensorflow", syntax="proto3")
    in_value = {"oneof_index": 0}
    summary = _message(fd.message_type, "Summary", [])
    _message(summary.nested_type, "Value", [
        ("node_name", 7, F.TYPE_STRING), ("tag", 1, F.TYPE_STRING),
        ("simple_value", 2, F.TYPE_FLOAT, in_value), ("obsolete_old_style_histogram", 3, F.TYPE_BYTES, in_value),
    ], oneof="value")
    summary.field.add(name="value", number=1, type=F.TYPE_MESSAGE, label=F.LABEL_REPEATED, type_name=".tensorflow.Summary.Value")
    _message(fd.message_type, "Event", [
        ("wall_time", 1, F.TYPE_DOUBLE), ("step", 2, F.TYPE_INT64),
        ("file_version", 3, F.TYPE_STRING, in_value), ("graph_def", 4, F.TYPE_BYTES, in_value),
        ("summary", 5, F.TYPE_MESSAGE, {"type_name": ".tensorflow.Summary", "oneof_index": 0}),
    ], oneof="what")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    desc = pool.FindMessageTypeByName("tensorflow.Event")
    if hasattr(message_factory, "GetMessageClass"):
        return message_factory.GetMessageClass(desc)
    return message_factory.MessageFactory(pool).GetPrototype(desc)


def records(blob):
    pos = 0
    while pos < len(blob):
        if len(blob) - pos < 12:
            raise ValueError(f"truncated record header at byte {pos}")
        header = blob[pos:pos + 8]
        (length,) = struct.unpack("<Q", header)
        (header_crc,) = struct.unpack("<I", blob[pos + 8:pos + 12])
        if header_crc != masked(header):
            raise ValueError(f"bad length CRC at byte {pos}")
        data = blob[pos + 12:pos + 12 + length]
        if len(data) != length or len(blob) < pos + 16 + length:
            raise ValueError(f"truncated record at byte {pos}")
        (data_crc,) = struct.unpack("<I", blob[pos + 12 + length:pos + 16 + length])
        if data_crc != masked(data):
            raise ValueError(f"bad data CRC at byte {pos}")
        yield data
        pos += 16 + length


def main(path):
    Event = event_class()
    with open(path, "rb") as fh:
        blob = fh.read()
    try:
        for data in records(blob):
            e = Event()
            e.ParseFromString(data)
            out = {"wall_time": e.wall_time, "step": e.step, "what": e.WhichOneof("what")}
            if out["what"] == "file_version":
                out["file_version"] = e.file_version
            if out["what"] == "summary":
                out["values"] = [{"tag": v.tag, "kind": v.WhichOneof("value"), "simple_value": v.simple_value} for v in e.summary.value]
            print(json.dumps(out))
    except ValueError as err:
        print(f"read_tfevents: {path}: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
