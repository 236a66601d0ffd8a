// Small helpers over onnx-proto for writing ONNX graphs from TypeScript. The tiny self-test model
// uses them now; checkpoint export reuses them so every model we write goes through one path.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
export type Dim = number | string;

export const DataType = onnx.TensorProto.DataType;

/** A graph input or output of element type `elemType` and shape `dims` (strings are symbolic). */
export function valueInfo(name: string, elemType: number, dims: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

/** A float32 initializer stored as raw little-endian bytes (compact, exact). */
export function floatTensor(name: string, dims: number[], values: Float32Array): onnxProto.onnx.ITensorProto {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (values.length !== expected) throw new Error(`tensor ${name}: ${values.length} values for dims [${dims}]`);
  return {
    name,
    dims,
    dataType: DataType.FLOAT,
    rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)),
  };
}

/** An int64 initializer (shapes, axes). */
export function int64Tensor(name: string, values: number[]): onnxProto.onnx.ITensorProto {
  return { name, dims: [values.length], dataType: DataType.INT64, int64Data: values };
}

/** A 0-d int64 initializer (Range bounds and steps). */
export function int64Scalar(name: string, value: number): onnxProto.onnx.ITensorProto {
  return { name, dims: [], dataType: DataType.INT64, int64Data: [value] };
}

type AttrValue = number | number[] | string;

/** A node; integer attributes become INT/INTS, strings STRING. */
export function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, AttrValue> = {},
): onnxProto.onnx.INodeProto {
  const attribute = Object.entries(attrs).map(([name, v]): onnxProto.onnx.IAttributeProto => {
    if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
    if (typeof v === 'string') return { name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(v) };
    if (Number.isInteger(v)) return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
    return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v };
  });
  return { opType, input: inputs, output: outputs, name: `${opType}_${outputs[0]}`, attribute };
}

export interface GraphSpec {
  name: string;
  nodes: onnxProto.onnx.INodeProto[];
  inputs: onnxProto.onnx.IValueInfoProto[];
  outputs: onnxProto.onnx.IValueInfoProto[];
  initializers: onnxProto.onnx.ITensorProto[];
}

/** Serialises a model with IR version 7 and opset 13 (what ONNX Runtime 1.30 and transformers.js load). */
export function encodeModel(graph: GraphSpec): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 7,
    producerName: 'synth-rl',
    opsetImport: [{ domain: '', version: 13 }],
    graph: onnx.GraphProto.create({
      name: graph.name,
      node: graph.nodes,
      input: graph.inputs,
      output: graph.outputs,
      initializer: graph.initializers,
    }),
  });
  return onnx.ModelProto.encode(model).finish();
}
