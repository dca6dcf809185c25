/** Small text helpers shared by the message builders. Discord caps content at 2000 characters. */

export const MAX_CONTENT = 2000;

/** Clip text to `max` characters, marking the cut. */
export function clipText(text: string, max = MAX_CONTENT): string {
  return text.length <= max ? text : `${text.slice(0, max - 2)} …`;
}

/** `90` → `1 min 30 s`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  const rest = s % 60;
  if (m < 60) return rest === 0 ? `${m} min` : `${m} min ${rest} s`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** A text progress bar, `[██████░░░░] 60 %`. */
export function progressBar(fraction: number, width = 20): string {
  const f = Math.min(1, Math.max(0, Number.isFinite(fraction) ? fraction : 0));
  const filled = Math.round(f * width);
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${Math.round(f * 100)} %`;
}

/** Neutralise mentions and markdown in user text shown inside a message. */
export function escapeUserText(text: string): string {
  return text.replace(/[\\*_`~|>]/g, (c) => `\\${c}`).replace(/@/g, '@\u200b');
}

/** `0.4312` → `43.1 %`. */
export function percent(share: number | null | undefined): string {
  return share === null || share === undefined || !Number.isFinite(share) ? '–' : `${(share * 100).toFixed(1)} %`;
}

/** The last `n` lines of a text, each clipped. */
export function tailLines(text: string, n: number, lineMax = 160): string[] {
  return text
    .split('\n')
    .filter((l) => l.trim().length > 0)
    .slice(-n)
    .map((l) => clipText(l, lineMax));
}
