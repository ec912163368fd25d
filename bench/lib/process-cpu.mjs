// CPU time used by a process, for "CPU per op" figures: unlike ops/s, CPU time per op barely
// moves when other work on a shared machine takes the cores away.
//
//   const before = processCpuMs(pid);  ...  const used = processCpuMs(pid) - before;
//
// Linux only (/proc/<pid>/stat: utime + stime of every thread of the process, the JVM's GC and
// JIT threads included), in clock ticks (usually 10 ms): measure spans of a second or more.
// For this process, process.cpuUsage() (microseconds) is used instead.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

let ticksPerSecond;

function clockTicksPerSecond() {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** True when another process's CPU time can be read here. */
export function canReadProcessCpu() {
  try {
    readFileSync('/proc/self/stat', 'utf8');
    return true;
  } catch {
    return false;
  }
}

/** User + system CPU ms of process `pid` (this process when pid is undefined or ours). */
export function processCpuMs(pid) {
  if (pid === undefined || pid === process.pid) {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  }
  // Fields after "(comm) ": state is the first, utime the 12th, stime the 13th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicksPerSecond();
}
