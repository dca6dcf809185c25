import { loadImage, type Image } from '@napi-rs/canvas';
import * as quickchartModule from 'quickchart-js';
import { shrinkPanel, type PanelConfig } from './chart-configs.js';

/**
 * Renders panels on a QuickChart server (QUICKCHART_URL). The same Chart.js v4
 * configs as the local renderer are sent; series are thinned until the request
 * body fits the server's JSON limit (100 kB by default).
 */

// The package's types are CommonJS, so TypeScript sees the class at `.default.default`, while its
// ESM build (what Node loads) has it at `.default`. Take whichever is there.
type QuickChartClass = typeof quickchartModule.default.default;
const loaded: unknown = quickchartModule.default;
const QuickChart = ((loaded as { default?: unknown }).default ?? loaded) as QuickChartClass;
type QuickChart = InstanceType<QuickChartClass>;

/** QuickChart's default JSON body limit; requests above it get 413. */
export const QUICKCHART_BODY_LIMIT = 100_000;

/** The QuickChart server refused or failed a chart. Carries its `x-quickchart-error` text when it sent one. */
export class QuickChartError extends Error {
  override readonly name = 'QuickChartError';
  constructor(
    readonly url: string,
    /** HTTP status, or null when no response came back. */
    readonly status: number | null,
    /** The server's `x-quickchart-error` header, if any. */
    readonly detail: string | null,
    cause?: unknown,
  ) {
    const what = status === null ? 'no response' : `HTTP ${status}`;
    super(`QuickChart at ${url} failed (${what})${detail ? `: ${detail}` : ''}`, { cause });
  }
}

/** Where a QuickChart server is, from a URL such as `http://127.0.0.1:3400`. */
export interface QuickChartTarget {
  scheme: string;
  host: string;
  url: string;
}

/** Parses QUICKCHART_URL into scheme and `host:port` for quickchart-js. */
export function parseQuickChartUrl(url: string): QuickChartTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new QuickChartError(url, null, 'QUICKCHART_URL is not a URL (expected e.g. http://127.0.0.1:3400)');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new QuickChartError(url, null, `QUICKCHART_URL must be http or https, got ${parsed.protocol}`);
  }
  if (parsed.pathname !== '/' && parsed.pathname !== '') {
    // quickchart-js always posts to `${scheme}://${host}/chart`: a path prefix would be dropped silently.
    throw new QuickChartError(url, null, `QUICKCHART_URL must not have a path (got ${parsed.pathname})`);
  }
  return { scheme: parsed.protocol.slice(0, -1), host: parsed.host, url: `${parsed.protocol}//${parsed.host}` };
}

function client(target: QuickChartTarget, config: PanelConfig, width: number, height: number): QuickChart {
  return new QuickChart()
    .setHost(target.host)
    .setScheme(target.scheme)
    .setVersion('4')
    .setWidth(width)
    .setHeight(height)
    .setBackgroundColor('#ffffff')
    .setConfig(JSON.stringify(config));
}

/** Size in bytes of the JSON body quickchart-js would post. */
export function requestBodySize(target: QuickChartTarget, config: PanelConfig, width: number, height: number): number {
  return Buffer.byteLength(JSON.stringify(client(target, config, width, height).getPostData()));
}

/** Thins the config's series until its request body is under `limit` bytes. */
export function fitBody(
  target: QuickChartTarget,
  config: PanelConfig,
  width: number,
  height: number,
  limit = QUICKCHART_BODY_LIMIT - 2_000,
): PanelConfig {
  let fitted = config;
  let maxPoints = Math.max(...config.data.datasets.map((d) => d.data.length));
  while (requestBodySize(target, fitted, width, height) > limit && maxPoints > 8) {
    maxPoints = Math.floor(maxPoints / 1.5);
    fitted = shrinkPanel(config, maxPoints);
  }
  return fitted;
}

/** Posts one panel and returns the PNG bytes. Throws {@link QuickChartError}. */
export async function fetchPanelPng(
  target: QuickChartTarget,
  config: PanelConfig,
  width: number,
  height: number,
  options: { fit?: boolean } = {},
): Promise<Buffer> {
  const body = options.fit === false ? config : fitBody(target, config, width, height);
  try {
    return await client(target, body, width, height).toBinary();
  } catch (error) {
    // quickchart-js puts the status and the x-quickchart-error header into the message text.
    const message = error instanceof Error ? error.message : String(error);
    const m = /status code (\d+)(?:\n([\s\S]*))?$/.exec(message);
    if (m) throw new QuickChartError(target.url, Number(m[1]), m[2]?.trim() || null, error);
    throw new QuickChartError(target.url, null, message, error);
  }
}

/** A panel renderer for {@link renderComposite} that draws on a QuickChart server. */
export function quickChartPanelRenderer(url: string) {
  const target = parseQuickChartUrl(url);
  return async (config: PanelConfig, width: number, height: number): Promise<Image> => {
    const png = await fetchPanelPng(target, config, width, height);
    try {
      return await loadImage(png);
    } catch (error) {
      throw new QuickChartError(target.url, 200, `response was not a PNG (${png.length} bytes)`, error);
    }
  };
}
