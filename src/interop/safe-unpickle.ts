/**
 * A pickle reader for what `torch.save(state_dict)` writes, and nothing more: it interprets the
 * data opcodes (protocols 2-5) and resolves only the globals it is given, each by a function of
 * ours. Any other global, and the opcodes that build arbitrary objects (NEWOBJ, INST, OBJ, EXT),
 * are refused: reading a file never runs code from it.
 */
import { InteropError } from "./interop-error.js";

/** A global the pickle named (`module.qualname`), allowed by the caller. */
export class PickleGlobal {
  constructor(readonly name: string) {}
}

/** What the pickle holds: numbers, bigints, strings, bytes, booleans, null, arrays (lists and tuples), Maps (dicts) and the callers' own values. */
export type PickleValue = unknown;

export interface UnpickleOptions {
  /** Names a message with the file. */
  readonly file: string;
  /** Globals the pickle may name; a function is what REDUCE calls with the arguments, `null` a name only passed around (a storage type). */
  readonly globals: Readonly<Record<string, ((args: readonly PickleValue[]) => PickleValue) | null>>;
  /** BINPERSID: what a persistent id (a storage reference) stands for. */
  readonly persistentLoad: (pid: PickleValue) => PickleValue;
}

const MARK = Symbol("mark");

/** Reads one pickle starting at `start`; returns its value and the offset after its STOP. */
export function unpickle(bytes: Uint8Array, start: number, o: UnpickleOptions): { value: PickleValue; end: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const stack: PickleValue[] = [];
  const memo = new Map<number, PickleValue>();
  const fail = (what: string): never => { throw new InteropError(`${o.file}: ${what}`); };
  let at = start;
  const need = (n: number) => { if (at + n > bytes.byteLength) fail(`the pickle ends early (at byte ${at}): truncated file?`); };
  const u8 = () => { need(1); return bytes[at++]; };
  const u16 = () => { need(2); const v = view.getUint16(at, true); at += 2; return v; };
  const u32 = () => { need(4); const v = view.getUint32(at, true); at += 4; return v; };
  const u64 = () => { need(8); const v = Number(view.getBigUint64(at, true)); at += 8; return v; };
  const text = (n: number) => { need(n); const s = new TextDecoder().decode(bytes.subarray(at, at + n)); at += n; return s; };
  const line = () => { const end = bytes.indexOf(0x0a, at); if (end < 0) fail("a GLOBAL's name has no end"); const s = text(end - at); at++; return s; };
  const popMark = (): PickleValue[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail("a pickle opcode needs a MARK that is not there");
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const pop = () => { if (!stack.length) fail("the pickle pops an empty stack"); return stack.pop(); };
  const top = () => stack[stack.length - 1];
  const resolve = (module: string, name: string) => {
    const full = `${module}.${name}`;
    if (!(full in o.globals)) {
      fail(`the pickle refers to ${full}, which a PyTorch state dict does not contain; pcl-stream reads tensors and dicts only and never runs code from a file`
        + " (a whole model saved with torch.save(model) holds its class: save model.state_dict() instead)");
    }
    return new PickleGlobal(full);
  };
  const setItems = (dict: PickleValue, items: PickleValue[]) => {
    if (!(dict instanceof Map)) fail("SETITEM on something that is not a dict");
    for (let i = 0; i + 1 < items.length; i += 2) (dict as Map<PickleValue, PickleValue>).set(items[i], items[i + 1]);
  };
  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break;                                  // PROTO
      case 0x95: u64(); break;                                 // FRAME
      case 0x2e: return { value: pop(), end: at };             // STOP
      case 0x28: stack.push(MARK); break;                      // MARK
      case 0x7d: stack.push(new Map()); break;                 // EMPTY_DICT
      case 0x5d: case 0x29: stack.push([]); break;             // EMPTY_LIST, EMPTY_TUPLE
      case 0x8f: stack.push(new Set()); break;                 // EMPTY_SET
      case 0x74: stack.push(popMark()); break;                 // TUPLE
      case 0x85: stack.push([pop()]); break;                   // TUPLE1
      case 0x86: { const b = pop(), a = pop(); stack.push([a, b]); break; }
      case 0x87: { const c = pop(), b = pop(), a = pop(); stack.push([a, b, c]); break; }
      case 0x71: memo.set(u8(), top()); break;                 // BINPUT
      case 0x72: memo.set(u32(), top()); break;                // LONG_BINPUT
      case 0x94: memo.set(memo.size, top()); break;            // MEMOIZE
      case 0x68: case 0x6a: {                                  // BINGET, LONG_BINGET
        const k = op === 0x68 ? u8() : u32();
        if (!memo.has(k)) fail(`the pickle reads memo ${k} before it is set`);
        stack.push(memo.get(k));
        break;
      }
      case 0x63: { const module = line(); stack.push(resolve(module, line())); break; } // GLOBAL
      case 0x93: { const name = pop(), module = pop(); stack.push(resolve(String(module), String(name))); break; } // STACK_GLOBAL
      case 0x52: {                                             // REDUCE
        const args = pop(), callable = pop();
        const fn = callable instanceof PickleGlobal ? o.globals[callable.name] : undefined;
        if (!fn || !Array.isArray(args)) fail(`the pickle calls ${callable instanceof PickleGlobal ? callable.name : "a value"}, which pcl-stream does not run`);
        stack.push(fn!(args as PickleValue[]));
        break;
      }
      case 0x51: stack.push(o.persistentLoad(pop())); break;   // BINPERSID
      case 0x62: pop(); break;                                 // BUILD: the state of an OrderedDict / tensor (_metadata, hooks) is not needed
      case 0x4a: need(4); stack.push(view.getInt32(at, true)); at += 4; break; // BININT
      case 0x4b: stack.push(u8()); break;                      // BININT1
      case 0x4d: stack.push(u16()); break;                     // BININT2
      case 0x8a: {                                             // LONG1
        const n = u8();
        need(n);
        let v = 0n;
        for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[at + i]);
        if (n > 0 && bytes[at + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
        at += n;
        stack.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
        break;
      }
      case 0x47: need(8); stack.push(view.getFloat64(at, false)); at += 8; break; // BINFLOAT
      case 0x58: stack.push(text(u32())); break;               // BINUNICODE
      case 0x8c: stack.push(text(u8())); break;                // SHORT_BINUNICODE
      case 0x8d: stack.push(text(u64())); break;               // BINUNICODE8
      case 0x43: case 0x42: case 0x8e: {                       // SHORT_BINBYTES, BINBYTES, BINBYTES8
        const n = op === 0x43 ? u8() : op === 0x42 ? u32() : u64();
        need(n);
        stack.push(bytes.slice(at, at + n));
        at += n;
        break;
      }
      case 0x4e: stack.push(null); break;                      // NONE
      case 0x88: stack.push(true); break;                      // NEWTRUE
      case 0x89: stack.push(false); break;                     // NEWFALSE
      case 0x73: { const v = pop(), k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(top(), items); break; }      // SETITEMS
      case 0x61: { const v = pop(); (top() as PickleValue[]).push(v); break; }    // APPEND
      case 0x65: { const items = popMark(); (top() as PickleValue[]).push(...items); break; } // APPENDS
      case 0x90: { const items = popMark(); for (const v of items) (top() as Set<PickleValue>).add(v); break; } // ADDITEMS
      case 0x91: stack.push(new Set(popMark())); break;        // FROZENSET
      case 0x30: pop(); break;                                 // POP
      case 0x31: popMark(); break;                             // POP_MARK
      case 0x32: stack.push(top()); break;                     // DUP
      default:
        fail(`the pickle uses opcode 0x${op.toString(16)} at byte ${at - 1}, which a PyTorch state dict does not contain (pcl-stream does not build arbitrary objects)`);
    }
  }
}
