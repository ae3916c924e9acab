/**
 * The building block of the file stages: map the items of one kind (`pending` files or `image`s),
 * pass everything else (events) through untouched, keeping order.
 */
import { concatMap, from, of, type OperatorFunction } from "rxjs";
import type { FileEvent, PendingFile, PendingImage, Step } from "./steps.js";

type Kind = { pending: PendingFile; image: PendingImage; event: FileEvent };

/** Like `concatMap`, but only for steps of `type`; `project` may return a step or a promise of one. */
export function mapStep<K extends "pending" | "image">(type: K, project: (item: Kind[K]) => Step | Promise<Step>): OperatorFunction<Step, Step> {
  return concatMap((step: Step) => (step.type === type ? from(Promise.resolve().then(() => project(step as Kind[K]))) : of(step)));
}
