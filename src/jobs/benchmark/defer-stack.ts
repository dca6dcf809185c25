/** One cleanup that ran during teardown, as reported in `RunResult.teardown`. */
export interface TeardownEntry {
  label: string;
  ok: boolean;
  error?: string;
}

/** A registered cleanup. Receives no signal: teardown must run even after the run was aborted. */
export type Cleanup = () => Promise<void> | void;

/**
 * Cleanups registered as resources are acquired, drained in reverse order.
 * Every cleanup runs even when an earlier one throws; failures are collected,
 * never thrown over the others (BullMQ's close() discipline).
 */
export class DeferStack {
  private readonly stack: { label: string; cleanup: Cleanup }[] = [];
  private draining: Promise<TeardownEntry[]> | null = null;
  private drained = false;

  /** Register `cleanup`; it runs before everything registered earlier. */
  defer(label: string, cleanup: Cleanup): void {
    if (this.drained) {
      // Acquired after teardown finished (a phase that ignored the abort): clean it right away.
      void Promise.resolve()
        .then(cleanup)
        .catch(() => undefined);
      return;
    }
    this.stack.push({ label, cleanup });
  }

  /** Number of cleanups waiting. */
  get size(): number {
    return this.stack.length;
  }

  /** Run every cleanup, last registered first. Idempotent: a second call returns the same report. */
  drain(onEntry?: (entry: TeardownEntry) => void): Promise<TeardownEntry[]> {
    this.draining ??= this.run(onEntry);
    return this.draining;
  }

  private async run(onEntry?: (entry: TeardownEntry) => void): Promise<TeardownEntry[]> {
    const report: TeardownEntry[] = [];
    while (this.stack.length > 0) {
      const { label, cleanup } = this.stack.pop()!;
      let entry: TeardownEntry;
      try {
        await cleanup();
        entry = { label, ok: true };
      } catch (error) {
        entry = { label, ok: false, error: describeError(error) };
      }
      report.push(entry);
      onEntry?.(entry);
    }
    this.drained = true;
    return report;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
