/**
 * The agentless per-node sampler: one POSIX sh script run as a single long exec per node,
 * `sh -c SAMPLER_SCRIPT sh <runDir> <intervalS> [probeFile]` (see {@link samplerArgv}).
 *
 * Why a shell script: nodes only guarantee sh and coreutils, nothing is installed on them,
 * and one exec per node means one SSH channel for the whole run. Why builtins only inside the
 * loop (`read` instead of `cat`/`head`/`grep`): every fork+exec costs about a millisecond of
 * CPU, and the sampler must stay far below the load it measures; per frame only `sleep` is
 * forked, plus `date` on every tenth frame. Frames in between carry no timestamp: the parser
 * places them by the monotonic uptime since the last dated frame, which is exact to the 10 ms
 * resolution of /proc/uptime and still follows a clock step within ten frames.
 *
 * Output, one item per line (parsed by `sampler-parser.ts`):
 * ```
 * #info <epochNs> clk=<CLK_TCK> cores=<n> page=<bytes>  once, first line
 * #host <hostname>                            once
 * #kernel <release>                           once
 * #model <cpu model name>                     once
 * #frame [<epochNs>]                          every interval: start of a frame (dated every 10th)
 * up <uptime> <idle>                          /proc/uptime (monotonic seconds since boot)
 * cpu  <user> <nice> <system> <idle> …        first line of /proc/stat
 * mem <Key>: <value> kB                       first five lines of /proc/meminfo
 * net <iface>: <rx bytes> … <tx bytes> …      every interface line of /proc/net/dev
 * proc <label> <pid>                          for each <runDir>/<label>.pid (pid = group leader)
 * stat <pid> (<comm>) <state> …               /proc/<pid>/stat of the leader and its descendants
 * rss <pid> <kB>                              its resident set (VmRSS), from /proc/<pid>/statm
 * ==> /proc/<pid>/stat[m] <==  + content      the same for a tree of more than 8 processes (see below)
 * probe <line>                                new complete lines of the probe file, if given
 * #end                                        the frame is complete
 * ```
 * A frame without `#end` (connection lost mid-frame) is discarded by the parser.
 *
 * The sampler ends (status 0) when the run directory is gone: the run's teardown removes it
 * and needs no second command to stop the sampler, and a sweep of a crashed worker's run ends
 * that run's sampler too.
 *
 * The probe file is opened once on fd 3 as soon as it exists and then read on from where the
 * last frame stopped, so no offset bookkeeping or `tail` fork is needed; a trailing partial line
 * is kept and completed in the next frame.
 *
 * Resident memory comes from `/proc/<pid>/statm` (resident pages × page size, the same number
 * as VmRSS in `status`) because `read` consumes a file byte by byte and statm is 30 bytes where
 * status is over a kilobyte. For the same reason a process tree of more than 8 processes is read
 * with one `head -n 1 /proc/<pid>/stat /proc/<pid>/statm …` (one fork, block reads, a
 * `==> file <==` header before each file) instead of hundreds of one-byte reads per process.
 */
export const SAMPLER_SCRIPT = `run=$1
iv=\${2:-1}
probe=\${3:-}
h=; read -r h </proc/sys/kernel/hostname
kr=; read -r kr </proc/sys/kernel/osrelease
n=0; model=
while IFS= read -r l; do
  case $l in
    processor*) n=$((n+1)) ;;
    'model name'*) [ -n "$model" ] || model=\${l#*: } ;;
  esac
done </proc/cpuinfo
clk=$(getconf CLK_TCK 2>/dev/null) || clk=100
pg=$(getconf PAGESIZE 2>/dev/null) || pg=4096
case $pg in ''|*[!0-9]*) pg=4096 ;; esac
echo "#info $(date +%s%N) clk=\${clk:-100} cores=$n page=$pg"
echo "#host $h"
echo "#kernel $kr"
echo "#model $model"
pfd=; part=; i=0
while [ -d "$run" ]; do
  if [ "$i" -eq 0 ]; then echo "#frame $(date +%s%N)"; i=10; else echo "#frame"; fi
  i=$((i-1))
  l=; read -r l </proc/uptime; echo "up $l"
  l=; read -r l </proc/stat; echo "$l"
  { read -r a; read -r b; read -r c; read -r d; read -r e; } </proc/meminfo
  echo "mem $a"; echo "mem $b"; echo "mem $c"; echo "mem $d"; echo "mem $e"
  while IFS= read -r l; do
    case $l in *:*) echo "net $l" ;; esac
  done </proc/net/dev
  for f in "$run"/*.pid; do
    [ -f "$f" ] || continue
    p=; read -r p 2>/dev/null <"$f"
    case $p in ''|*[!0-9]*) continue ;; esac
    g=\${f##*/}; g=\${g%.pid}
    echo "proc $g $p"
    q=$p; seen=0; all=
    while [ -n "$q" ] && [ "$seen" -lt 256 ]; do
      set -- $q
      [ $# -gt 0 ] || break
      x=$1; shift; q=$*
      seen=$((seen+1))
      all="$all $x"
      for c in /proc/$x/task/*/children; do
        [ -r "$c" ] || continue
        k=; read -r k 2>/dev/null <"$c"
        q="$q $k"
      done
    done
    if [ "$seen" -le 8 ]; then
      for x in $all; do
        l=; read -r l 2>/dev/null </proc/$x/stat || continue
        echo "stat $l"
        if read -r a b c 2>/dev/null </proc/$x/statm; then echo "rss $x $((b * pg / 1024))"; fi
      done
    else
      set --
      for x in $all; do set -- "$@" /proc/$x/stat /proc/$x/statm; done
      head -n 1 "$@" 2>/dev/null
    fi
  done
  if [ -n "$probe" ]; then
    if [ -z "$pfd" ] && [ -r "$probe" ]; then exec 3<"$probe"; pfd=1; fi
    if [ -n "$pfd" ]; then
      l=
      while IFS= read -r l <&3; do echo "probe $part$l"; part=; l=; done
      part=$part$l
    fi
  fi
  echo "#end"
  sleep "$iv"
done
`;

/** Default sampling interval in seconds (Sample is defined at 1 Hz). */
export const DEFAULT_SAMPLER_INTERVAL_S = 1;

/** Bad sampler arguments: names the value and what is allowed. */
export class SamplerArgumentError extends Error {
  override readonly name = 'SamplerArgumentError';
}

/**
 * The argv that runs the sampler on a node: `['sh', '-c', SAMPLER_SCRIPT, 'sh', runDir, interval, probeFile?]`.
 * @param runDir directory holding the run's `<label>.pid` files (absolute path)
 * @param intervalS seconds between frames, 0.1..60 (default 1)
 * @param probeFile the probe mod's output file to stream as `probe` lines (node 1 only)
 */
export function samplerArgv(
  runDir: string,
  intervalS: number = DEFAULT_SAMPLER_INTERVAL_S,
  probeFile?: string,
): string[] {
  if (!runDir.startsWith('/')) throw new SamplerArgumentError(`runDir "${runDir}" must be an absolute path`);
  if (!Number.isFinite(intervalS) || intervalS < 0.1 || intervalS > 60) {
    throw new SamplerArgumentError(`intervalS ${intervalS} must be a number from 0.1 to 60`);
  }
  if (probeFile !== undefined && !probeFile.startsWith('/')) {
    throw new SamplerArgumentError(`probeFile "${probeFile}" must be an absolute path`);
  }
  const argv = ['sh', '-c', SAMPLER_SCRIPT, 'sh', runDir, String(intervalS)];
  if (probeFile !== undefined) argv.push(probeFile);
  return argv;
}
