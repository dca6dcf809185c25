import { readFileSync } from 'node:fs';

/** The tool's version from package.json, for manifests and `--version`. */
export const TOOL_VERSION: string = (() => {
  try {
    const url = new URL('../package.json', import.meta.url);
    return (JSON.parse(readFileSync(url, 'utf8')) as { version: string }).version;
  } catch {
    // The bundled swarm has no package.json beside it; the bundler inlines a constant instead.
    return '0.0.0-bundled';
  }
})();
