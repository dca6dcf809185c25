import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PanelConfig } from '../../../src/report/chart-configs.js';
import { renderPanelLocal } from '../../../src/report/render-local.js';

/**
 * A stand-in for a self-hosted QuickChart server on 127.0.0.1 that honours its
 * `POST /chart` contract: JSON body `{chart, width, height, format, version,
 * backgroundColor}`, bodies over 100 kB refused with 413, errors reported in the
 * `x-quickchart-error` header. It draws with the project's local renderer.
 */
export interface QuickChartEmulator {
  url: string;
  /** Bodies received, in order (parsed JSON, plus byte size). */
  requests: { size: number; version: unknown; width: number; height: number }[];
  close(): Promise<void>;
}

const LIMIT = 100 * 1024;

export async function startQuickChartEmulator(): Promise<QuickChartEmulator> {
  const requests: QuickChartEmulator['requests'] = [];
  const fail = (res: import('node:http').ServerResponse, status: number, message: string) => {
    res.writeHead(status, { 'content-type': 'text/plain', 'x-quickchart-error': message });
    res.end(message);
  };
  const server: Server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/chart') return fail(res, 404, `no route ${req.method} ${req.url}`);
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= LIMIT) chunks.push(chunk);
    });
    req.on('end', () => {
      if (size > LIMIT) return fail(res, 413, `request entity too large: ${size} bytes > ${LIMIT}`);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        const width = Number(body.width ?? 500);
        const height = Number(body.height ?? 300);
        requests.push({ size, version: body.version, width, height });
        if (body.version !== '4')
          return fail(res, 400, `this emulator only renders Chart.js 4, got ${String(body.version)}`);
        const chart =
          typeof body.chart === 'string' ? (JSON.parse(body.chart) as PanelConfig) : (body.chart as PanelConfig);
        const png = renderPanelLocal(chart, width, height).toBuffer('image/png');
        res.writeHead(200, { 'content-type': 'image/png' });
        res.end(png);
      } catch (error) {
        fail(res, 500, `chart error: ${(error as Error).message}`);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
