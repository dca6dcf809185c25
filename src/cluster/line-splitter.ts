import { StringDecoder } from 'node:string_decoder';

/** Turns a byte stream into complete lines; a multi-byte character split across chunks stays whole. */
export interface LineSplitter {
  push(chunk: Buffer | string): void;
  /** Emit a final line without a trailing newline, if any. */
  end(): void;
}

/** Calls `onLine` for every complete line (without its `\n` or `\r\n`). */
export function createLineSplitter(onLine: (line: string) => void): LineSplitter {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  const emit = (text: string): void => {
    pending += text;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const line = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
      nl = pending.indexOf('\n');
    }
  };
  return {
    push(chunk) {
      emit(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    },
    end() {
      emit(decoder.end());
      if (pending.length > 0) {
        const rest = pending;
        pending = '';
        onLine(rest);
      }
    },
  };
}
