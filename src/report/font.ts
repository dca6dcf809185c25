import { existsSync } from 'node:fs';
import { GlobalFonts } from '@napi-rs/canvas';

/**
 * Text in a chart rendered without a browser only shows if a font is registered
 * with the canvas: Skia has no fallback of its own on a bare server. DejaVu ships
 * with Debian (fonts-dejavu-core) and covers the symbols we draw.
 */

/** Family name the renderers use for all text. */
export const CHART_FONT = 'DejaVu Sans';

const CANDIDATES = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/dejavu/DejaVuSans.ttf', '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf'],
] as const;

/** No usable font was found: charts would render without any text. */
export class FontMissingError extends Error {
  override readonly name = 'FontMissingError';
  constructor(tried: readonly string[]) {
    super(
      `No font for chart text: none of ${tried.join(', ')} exists. Install fonts-dejavu-core (apt-get install fonts-dejavu-core).`,
    );
  }
}

let chosen: string | null = null;

/**
 * Registers DejaVu Sans (regular and bold) once per process and returns the family
 * to draw with. Without DejaVu, any sans font the canvas found on the system will
 * do (text may look different); with no font at all, fails rather than drawing
 * charts without labels.
 */
export function ensureChartFont(): string {
  if (chosen !== null) return chosen;
  for (const [regular, bold] of CANDIDATES) {
    if (!existsSync(regular)) continue;
    GlobalFonts.registerFromPath(regular, CHART_FONT);
    if (existsSync(bold)) GlobalFonts.registerFromPath(bold, CHART_FONT);
    chosen = CHART_FONT;
    return chosen;
  }
  const families = GlobalFonts.families.map((f) => f.family);
  const fallback = families.find((f) => f === CHART_FONT) ?? families.find((f) => /sans/i.test(f)) ?? families[0];
  if (fallback === undefined) throw new FontMissingError(CANDIDATES.map((c) => c[0]));
  chosen = fallback;
  return chosen;
}
