/** Subscribes to a watch (the pipeline's `watchFolder`) and lets a test wait for its events. */
import { watchFolder, type FileEvent, type WatchFolderOptions } from "../../src/pipelines/watch/index.js";

/** `waitMs`: how long `until` waits by default before it fails, listing the events so far. */
export function observeWatch(options: WatchFolderOptions, waitMs = 20000) {
  const handle = watchFolder(options);
  const events: FileEvent[] = [];
  const waiters: Array<() => void> = [];
  let completed = false;
  let failure: unknown;
  const done = new Promise<void>((res, rej) => {
    handle.events$.subscribe({
      next: (e) => { events.push(e); waiters.forEach((w) => w()); },
      error: (err) => { failure = err; rej(err); },
      complete: () => { completed = true; res(); waiters.forEach((w) => w()); },
    });
  });
  done.catch(() => undefined);
  /** Resolves once `pred(events)` holds; rejects after `ms` (listing the events) or when the stream ends first. */
  const until = (pred: (events: FileEvent[]) => boolean, what: string, ms = waitMs): Promise<void> =>
    new Promise((res, rej) => {
      const stopTimers = () => { clearTimeout(timer); clearInterval(poll); };
      const check = () => { if (pred(events)) { stopTimers(); res(); } else if (completed || failure) { stopTimers(); rej(new Error(`stream ended waiting for ${what}`)); } };
      const timer = setTimeout(() => { stopTimers(); rej(new Error(`timed out waiting for ${what}; events:\n${events.map((e) => JSON.stringify(e)).join("\n")}`)); }, ms);
      const poll = setInterval(check, 20);
      waiters.push(check);
      check();
    });
  const of = (file: string) => events.filter((e) => "file" in e && e.file === file);
  return { handle, events, until, done, of };
}
