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
  private readonly stack: { label: string; cleanup: Cleanup; group: string | undefined }[] = [];
  private draining: Promise<TeardownEntry[]> | null = null;
  private drained = false;

  /**
   * Register `cleanup`; it runs before everything registered earlier. Adjacent
   * cleanups with the same `group` (e.g. "stop the sampler" on each node) run
   * concurrently, so teardown time does not grow with the node count.
   */
  defer(label: string, cleanup: Cleanup, group?: string): void {
    if (this.drained) {
      // Acquired after teardown finished (a phase that ignored the abort): clean it right away.
      void Promise.resolve()
        .then(cleanup)
        .catch(() => undefined);
      return;
    }
    this.stack.push({ label, cleanup, group });
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
      const batch = [this.stack.pop()!];
      const group = batch[0]!.group;
      while (group !== undefined && this.stack.at(-1)?.group === group) batch.push(this.stack.pop()!);
      const entries = await Promise.all(
        batch.map(async ({ label, cleanup }): Promise<TeardownEntry> => {
          try {
            await cleanup();
            return { label, ok: true };
          } catch (error) {
            return { label, ok: false, error: describeError(error) };
          }
        }),
      );
      for (const entry of entries) {
        report.push(entry);
        onEntry?.(entry);
      }
    }
    this.drained = true;
    return report;
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
