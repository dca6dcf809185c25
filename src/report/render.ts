import type { RunResult } from '../jobs/benchmark/run-result.js';
import { buildChartSet, type ChartSet } from './chart-configs.js';
import { renderComposite, type PanelRenderer } from './composite.js';
import { renderPanelLocal } from './render-local.js';
import { quickChartPanelRenderer } from './render-quickchart.js';

/** Which renderer draws the panels. */
export type RendererKind = 'local' | 'quickchart';

/** Options of {@link renderRunChart}. Without `quickchartUrl` the local renderer is used. */
export interface RenderOptions {
  /** QUICKCHART_URL; when set, panels are drawn by that QuickChart server. */
  quickchartUrl?: string | undefined;
  /**
   * When QuickChart fails, draw locally instead of throwing (default false), and tell
   * `onFallback` why. The report should not lose its chart to a chart server.
   */
  fallbackToLocal?: boolean;
  onFallback?: (error: unknown) => void;
}

/** The panel renderer for these options: QuickChart when a URL is given, else local. */
export function panelRenderer(options: RenderOptions = {}): { kind: RendererKind; render: PanelRenderer } {
  if (options.quickchartUrl) return { kind: 'quickchart', render: quickChartPanelRenderer(options.quickchartUrl) };
  return { kind: 'local', render: async (config, width, height) => renderPanelLocal(config, width, height) };
}

/** Renders any chart set (a run, a comparison, a sweep) to one PNG. */
export async function renderChartSet(set: ChartSet, options: RenderOptions = {}): Promise<Buffer> {
  const { kind, render } = panelRenderer(options);
  try {
    return await renderComposite(set, render);
  } catch (error) {
    if (kind !== 'quickchart' || !options.fallbackToLocal) throw error;
    options.onFallback?.(error);
    return renderComposite(set, panelRenderer({}).render);
  }
}

/** The run's composite chart as PNG bytes. */
export async function renderRunChart(result: RunResult, options: RenderOptions = {}): Promise<Buffer> {
  return renderChartSet(buildChartSet(result), options);
}
