import { fromViolations, type CheckResult } from './check-result.ts';
import { formatZxid } from './describe.ts';
import type { MemberLog } from './history.ts';

const epochOf = (zxid: bigint): number => Number(zxid >> 32n);

/**
 * ZAB's invariants over the members' recorded logs:
 * - one established leader per epoch, across every member's record;
 * - each member's committed zxids strictly increase;
 * - agreement: members that committed the same zxid committed the same txn (equal fingerprints);
 * - primary order, prefix form: between its first and last committed entry, a member committed every zxid
 *   any member committed, except entries covered by a snapshot it installed (`snapshotZxids`); before its
 *   first entry a snapshot is assumed (a log starts after one);
 * - integrity: when any epoch establishment is recorded, every committed zxid belongs to an established epoch.
 */
export function checkZabInvariants(members: readonly MemberLog[]): CheckResult {
  const violations: string[] = [];

  const leaders = new Map<number, { leader: number; member: number }>();
  for (const log of members) {
    for (const { epoch, leader } of log.establishedEpochs) {
      const seen = leaders.get(epoch);
      if (seen === undefined) leaders.set(epoch, { leader, member: log.member });
      else if (seen.leader !== leader) {
        violations.push(`epoch ${epoch} has two established leaders: ${seen.leader} (recorded by member ${seen.member}) and ${leader} (recorded by member ${log.member})`);
      }
    }
  }

  const txns = new Map<bigint, { fingerprint: string; member: number }>();
  for (const log of members) {
    let previous: bigint | undefined;
    for (const { zxid, fingerprint } of log.committed) {
      if (previous !== undefined && zxid <= previous) {
        violations.push(`member ${log.member} committed ${formatZxid(zxid)} after ${formatZxid(previous)}: its committed zxids must strictly increase`);
      }
      previous = zxid;
      const seen = txns.get(zxid);
      if (seen === undefined) txns.set(zxid, { fingerprint, member: log.member });
      else if (seen.fingerprint !== fingerprint) {
        violations.push(`members ${seen.member} and ${log.member} committed different txns at ${formatZxid(zxid)}:\n    ${seen.fingerprint}\n    ${fingerprint}`);
      }
    }
  }

  const all = [...txns.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const log of members) {
    const first = log.committed[0]?.zxid;
    const last = log.committed[log.committed.length - 1]?.zxid;
    if (first === undefined || last === undefined) continue;
    const own = new Set(log.committed.map((e) => e.zxid));
    const snapshots = log.snapshotZxids ?? [];
    const missing = all.filter((z) => z > first && z < last && !own.has(z) && !snapshots.some((s) => z <= s));
    if (missing.length > 0) {
      const shown = missing.slice(0, 5).map((z) => `${formatZxid(z)} (committed by member ${txns.get(z)?.member})`);
      violations.push(
        `member ${log.member} committed up to ${formatZxid(last)} without ${shown.join(', ')}${missing.length > 5 ? ` and ${missing.length - 5} more` : ''}: primary order broken`,
      );
    }
  }

  if (leaders.size > 0) {
    const orphans = all.filter((z) => !leaders.has(epochOf(z)));
    if (orphans.length > 0) {
      const epochs = [...new Set(orphans.map(epochOf))];
      violations.push(`committed txns in epochs no leader established: ${epochs.join(', ')} (for example ${formatZxid(orphans[0] as bigint)})`);
    }
  }
  return fromViolations(violations);
}

/** Members that report the same last zxid must have equal state digests (checked after a heal). */
export function checkEqualDigests(digests: ReadonlyArray<{ member: number; lastZxid: bigint; digest: string }>): CheckResult {
  const violations: string[] = [];
  const byZxid = new Map<bigint, { member: number; digest: string }>();
  for (const { member, lastZxid, digest } of digests) {
    const seen = byZxid.get(lastZxid);
    if (seen === undefined) byZxid.set(lastZxid, { member, digest });
    else if (seen.digest !== digest) {
      violations.push(`members ${seen.member} and ${member} both at ${formatZxid(lastZxid)} have different state digests: ${seen.digest} and ${digest}`);
    }
  }
  return fromViolations(violations);
}
