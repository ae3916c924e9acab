/**
 * TensorBoard event files written by pcl-stream itself: CRC-32C, TFRecord framing, Event/Summary
 * encoding and an append-only writer. A leaf: it imports nothing else from pcl-stream.
 */
export { crc32c, maskedCrc32c } from "./crc32c.js";
export { frameRecord } from "./tfrecord.js";
export { fileVersionEvent, summaryEvent, type SummaryValue } from "./event-proto.js";
export { createEventFileWriter, type EventFileWriter } from "./event-file-writer.js";
