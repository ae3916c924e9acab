/**
 * The few TensorFlow messages a TensorBoard event file needs (`Event`, `Summary` with scalar, image
 * and text values), declared with the field numbers of tensorflow/core/util/event.proto,
 * framework/summary.proto, tensor.proto and tensor_shape.proto, and encoded by protobufjs.
 */
import protobuf from "protobufjs";

const PROTO = `
syntax = "proto3";
package tensorflow;
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what { string file_version = 3; Summary summary = 5; }
}
message Summary {
  message Image { int32 height = 1; int32 width = 2; int32 colorspace = 3; bytes encoded_image_string = 4; }
  message Value {
    string tag = 1;
    SummaryMetadata metadata = 9;
    oneof value { float simple_value = 2; Image image = 4; TensorProto tensor = 8; }
  }
  repeated Value value = 1;
}
message SummaryMetadata {
  message PluginData { string plugin_name = 1; bytes content = 2; }
  PluginData plugin_data = 1;
}
message TensorShapeProto { message Dim { int64 size = 1; } repeated Dim dim = 2; }
message TensorProto { int32 dtype = 1; TensorShapeProto tensor_shape = 2; repeated bytes string_val = 8; }
`;

/** TensorFlow's DataType enum value for strings. */
const DT_STRING = 7;

let eventType: protobuf.Type | undefined;
const Event = (): protobuf.Type => (eventType ??= protobuf.parse(PROTO, { keepCase: true }).root.lookupType("tensorflow.Event"));

/** One value of a summary: a scalar, a PNG image, or markdown text (TensorBoard's text plugin). */
export type SummaryValue =
  | { readonly tag: string; readonly scalar: number }
  | { readonly tag: string; readonly png: Uint8Array; readonly width: number; readonly height: number }
  | { readonly tag: string; readonly text: string };

const encoder = new TextEncoder();

function valueMessage(v: SummaryValue): Record<string, unknown> {
  if ("scalar" in v) return { tag: v.tag, simple_value: v.scalar };
  if ("png" in v) return { tag: v.tag, image: { height: v.height, width: v.width, colorspace: 3, encoded_image_string: v.png } };
  return {
    tag: v.tag,
    metadata: { plugin_data: { plugin_name: "text", content: new Uint8Array(0) } },
    tensor: { dtype: DT_STRING, tensor_shape: { dim: [] }, string_val: [encoder.encode(v.text)] },
  };
}

/** The `Event` that opens every event file: `file_version: "brain.Event:2"`. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return Event().encode(Event().fromObject({ wall_time: wallTime, step: 0, file_version: "brain.Event:2" })).finish();
}

/** An `Event` at `step` holding one `Summary` of `values`. `wallTime` is in seconds since the epoch. */
export function summaryEvent(wallTime: number, step: number, values: readonly SummaryValue[]): Uint8Array {
  return Event().encode(Event().fromObject({ wall_time: wallTime, step, summary: { value: values.map(valueMessage) } })).finish();
}
