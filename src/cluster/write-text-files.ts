import type { NodeConnection } from './node.js';

/** `sh -c WRITE sh path1 content1 path2 content2 …`: creates parents, writes each file exactly. */
const WRITE_FILES_SCRIPT = `while [ $# -ge 2 ]; do
  mkdir -p "$(dirname "$1")" && printf '%s' "$2" > "$1" || exit 1
  shift 2
done`;

/** One small text file for {@link writeTextFiles}. */
export interface TextFile {
  path: string;
  content: string;
}

/**
 * Write several small text files on a node with ONE command (arguments, never a shell
 * string): per file, `writeFile` costs a mkdir command and an SFTP session, each a login
 * shell on the node — for a server's config, world and probe mod that was ten in a row.
 * Contents travel as arguments, so they must be text (no NUL) and small (well under ARG_MAX).
 */
export async function writeTextFiles(node: NodeConnection, files: readonly TextFile[]): Promise<void> {
  if (files.length === 0) return;
  for (const file of files) {
    if (file.content.includes('\0'))
      throw new TypeError(`${file.path}: text files only (the content holds a NUL byte)`);
  }
  await node.exec(['sh', '-c', WRITE_FILES_SCRIPT, 'sh', ...files.flatMap((f) => [f.path, f.content])], {
    timeoutMs: 60_000,
  });
}
