/**
 * The part of ONNX's protobuf schema (onnx/onnx.proto, IR version 8) that a model file of
 * convolutions needs, declared for protobufjs: ModelProto, GraphProto, NodeProto, AttributeProto,
 * TensorProto, ValueInfoProto with its TypeProto / TensorShapeProto, OperatorSetIdProto and
 * StringStringEntryProto. Field names and numbers are the specification's; fields pcl-stream does
 * not write are left out (a reader skips nothing: absent optional fields are simply not there).
 */
import protobuf from "protobufjs";

const f = (type: string, id: number, rule?: "repeated") => ({ type, id, ...(rule ? { rule } : {}) });

const SCHEMA = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: f("string", 1), value: f("string", 2) } },
        OperatorSetIdProto: { fields: { domain: f("string", 1), version: f("int64", 2) } },
        TensorProto: {
          fields: { dims: f("int64", 1, "repeated"), data_type: f("int32", 2), name: f("string", 8), raw_data: f("bytes", 9), doc_string: f("string", 12) },
        },
        AttributeProto: {
          fields: {
            name: f("string", 1), f: f("float", 2), i: f("int64", 3), s: f("bytes", 4), t: f("TensorProto", 5),
            floats: f("float", 7, "repeated"), ints: f("int64", 8, "repeated"), type: f("int32", 20),
          },
        },
        NodeProto: {
          fields: { input: f("string", 1, "repeated"), output: f("string", 2, "repeated"), name: f("string", 3), op_type: f("string", 4), attribute: f("AttributeProto", 5, "repeated"), doc_string: f("string", 6), domain: f("string", 7) },
        },
        TensorShapeProto: {
          fields: { dim: f("Dimension", 1, "repeated") },
          nested: { Dimension: { oneofs: { value: { oneof: ["dim_value", "dim_param"] } }, fields: { dim_value: f("int64", 1), dim_param: f("string", 2) } } },
        },
        TypeProto: {
          fields: { tensor_type: f("Tensor", 1) },
          nested: { Tensor: { fields: { elem_type: f("int32", 1), shape: f("TensorShapeProto", 2) } } },
        },
        ValueInfoProto: { fields: { name: f("string", 1), type: f("TypeProto", 2), doc_string: f("string", 3) } },
        GraphProto: {
          fields: {
            node: f("NodeProto", 1, "repeated"), name: f("string", 2), initializer: f("TensorProto", 5, "repeated"), doc_string: f("string", 10),
            input: f("ValueInfoProto", 11, "repeated"), output: f("ValueInfoProto", 12, "repeated"),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f("int64", 1), producer_name: f("string", 2), producer_version: f("string", 3), domain: f("string", 4),
            model_version: f("int64", 5), doc_string: f("string", 6), graph: f("GraphProto", 7),
            opset_import: f("OperatorSetIdProto", 8, "repeated"), metadata_props: f("StringStringEntryProto", 14, "repeated"),
          },
        },
      },
    },
  },
};

/** ONNX TensorProto.DataType values used here. */
export const ONNX_FLOAT = 1;
export const ONNX_INT64 = 7;
/** AttributeProto.AttributeType values used here. */
export const ATTR = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const;

let model: protobuf.Type | undefined;

/** The ModelProto message type (built once, on first use). */
export function onnxModelType(): protobuf.Type {
  model ??= protobuf.Root.fromJSON(SCHEMA).lookupType("onnx.ModelProto");
  return model;
}
