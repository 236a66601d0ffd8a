// TensorBoard event files (docs/metric-files.md): a sequence of TFRecords, each
//   uint64 length (little-endian) | uint32 masked CRC-32C of those 8 bytes | data | uint32 masked CRC-32C of data
// whose data is a serialised tensorflow Event. The first Event carries file_version "brain.Event:2";
// each scalar is an Event{wall_time, step, summary{value{tag, simple_value}}}.
// The messages are declared once below as a descriptor (field numbers from TensorBoard's
// event.proto and summary.proto) and encoded by @bufbuild/protobuf.
import { create, createFileRegistry, toBinary, type DescMessage } from '@bufbuild/protobuf';
import { FieldDescriptorProto_Label as Label, FieldDescriptorProto_Type as Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { maskedCrc32c } from './crc32c.ts';

export const FILE_VERSION = 'brain.Event:2';

const field = (name: string, number: number, type: Type, extra: { typeName?: string; oneofIndex?: number; repeated?: boolean } = {}) => ({
  name, number, type, jsonName: name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
  label: extra.repeated ? Label.REPEATED : Label.OPTIONAL,
  ...(extra.typeName !== undefined && { typeName: extra.typeName }),
  ...(extra.oneofIndex !== undefined && { oneofIndex: extra.oneofIndex }),
});

// Only the fields written here; a reader skips the ones it does not know, as protobuf allows.
// Members of a oneof are written even when zero, so simple_value 0 and step 0 still travel.
const EVENT_PROTO = create(FileDescriptorProtoSchema, {
  name: 'synth_rl/tensorboard_event.proto',
  package: 'tensorboard',
  syntax: 'proto3',
  messageType: [
    {
      name: 'Event',
      field: [
        field('wall_time', 1, Type.DOUBLE),
        field('step', 2, Type.INT64),
        field('file_version', 3, Type.STRING, { oneofIndex: 0 }),
        field('summary', 5, Type.MESSAGE, { typeName: '.tensorboard.Summary', oneofIndex: 0 }),
      ],
      oneofDecl: [{ name: 'what' }],
    },
    {
      name: 'Summary',
      field: [field('value', 1, Type.MESSAGE, { typeName: '.tensorboard.Summary.Value', repeated: true })],
      nestedType: [{
        name: 'Value',
        field: [field('tag', 1, Type.STRING), field('simple_value', 2, Type.FLOAT, { oneofIndex: 0 })],
        oneofDecl: [{ name: 'value' }],
      }],
    },
  ],
});

const registry = createFileRegistry(EVENT_PROTO, () => undefined);
const EventSchema = registry.getMessage('tensorboard.Event') as DescMessage;

export interface Scalar {
  tag: string;
  value: number;
}

/** One TFRecord around `data`. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

export function fileVersionEvent(wallTime: number): Uint8Array {
  return toBinary(EventSchema, create(EventSchema, { wallTime, what: { case: 'fileVersion', value: FILE_VERSION } }));
}

/** An Event with one scalar summary (TensorBoard's add_scalar writes one value per event). */
export function scalarEvent(wallTime: number, step: number, s: Scalar): Uint8Array {
  const summary = { value: [{ tag: s.tag, value: { case: 'simpleValue', value: s.value } }] };
  return toBinary(EventSchema, create(EventSchema, { wallTime, step: BigInt(Math.trunc(step)), what: { case: 'summary', value: summary } }));
}
