import { readFile } from 'node:fs/promises';
import { runResultSchema, type RunResult } from '../jobs/benchmark/run-result.js';

/** A result file could not be read or is not a valid RunResult; names the file and the bad field. */
export class ReportInputError extends Error {
  override readonly name = 'ReportInputError';
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`);
  }
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[k] : undefined),
    input,
  );
}

/** Validates parsed JSON as a RunResult; problems name each bad field by its path and what was found. */
export function parseRunResult(input: unknown, file = 'result'): RunResult {
  const parsed = runResultSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.map(String).join('.') || '(top level)';
    const found = valueAt(input, issue.path);
    const shown = found === undefined ? 'missing' : `got ${JSON.stringify(found)?.slice(0, 40)}`;
    return `field ${path} (${shown}): ${issue.message}`;
  });
  if (parsed.error.issues.length > 5) problems.push(`and ${parsed.error.issues.length - 5} more problems`);
  throw new ReportInputError(file, problems);
}

/** Reads and validates a result.json written by `luanti-bench run` or the worker. */
export async function loadRunResult(file: string): Promise<RunResult> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ReportInputError(file, [`cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ReportInputError(file, [`not JSON: ${(error as Error).message}`]);
  }
  return parseRunResult(json, file);
}
