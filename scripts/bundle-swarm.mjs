// Bundles the swarm into one JS file that runs under plain Node on a node
// (shipped over SFTP by the pipeline): dist/swarm.bundle.mjs.
import { build } from 'esbuild';
import { existsSync } from 'node:fs';

const entry = 'src/swarm/main.ts';
if (!existsSync(entry)) {
  console.log(`bundle-swarm: ${entry} does not exist yet; skipped`);
} else {
  const pkg = JSON.parse(await (await import('node:fs/promises')).readFile('package.json', 'utf8'));
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    outfile: 'dist/swarm.bundle.mjs',
    define: { __TOOL_VERSION__: JSON.stringify(pkg.version) },
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'warning',
  });
}
