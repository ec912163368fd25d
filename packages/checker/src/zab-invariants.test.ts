import { describe, expect, it } from 'vitest';
import type { MemberLog } from './history.ts';
import { checkEqualDigests, checkZabInvariants } from './zab-invariants.ts';

const entry = (zxid: bigint, fingerprint = `t${zxid.toString(16)}`) => ({ zxid, fingerprint });
const e1 = (n: number) => 0x100000000n + BigInt(n);
const e2 = (n: number) => 0x200000000n + BigInt(n);

function violation(members: MemberLog[]): string {
  const result = checkZabInvariants(members);
  expect(result.ok).toBe(false);
  return result.ok === false ? result.violation : '';
}

describe('checkZabInvariants', () => {
  const good: MemberLog[] = [
    { member: 1, committed: [entry(e1(1)), entry(e1(2)), entry(e2(1))], establishedEpochs: [{ epoch: 1, leader: 1 }] },
    { member: 2, committed: [entry(e1(1)), entry(e1(2)), entry(e2(1)), entry(e2(2))], establishedEpochs: [{ epoch: 2, leader: 2 }] },
    // Joined late from a snapshot: its log starts after it.
    { member: 3, committed: [entry(e2(1)), entry(e2(2))], establishedEpochs: [] },
  ];

  it('accepts agreeing logs, a member that started from a snapshot, one leader per epoch', () => {
    expect(checkZabInvariants(good)).toEqual({ ok: true });
  });

  it('catches two leaders for one epoch', () => {
    const members = [good[0] as MemberLog, { ...(good[1] as MemberLog), establishedEpochs: [{ epoch: 1, leader: 2 }, { epoch: 2, leader: 2 }] }];
    expect(violation(members)).toContain('epoch 1 has two established leaders: 1 (recorded by member 1) and 2 (recorded by member 2)');
  });

  it('catches different txns at one zxid', () => {
    const members = [good[0] as MemberLog, { ...(good[1] as MemberLog), committed: [entry(e1(1)), entry(e1(2), 'other')] }];
    expect(violation(members)).toContain('members 1 and 2 committed different txns at 0x100000002');
  });

  it('catches a log that goes backwards', () => {
    expect(violation([{ member: 1, committed: [entry(e1(2)), entry(e1(1))], establishedEpochs: [] }])).toContain('must strictly increase');
  });

  it('catches a hole in a member log (primary order), unless a snapshot covers it', () => {
    const holed: MemberLog = { member: 3, committed: [entry(e1(1)), entry(e2(2))], establishedEpochs: [] };
    expect(violation([good[0] as MemberLog, good[1] as MemberLog, holed])).toContain('member 3 committed up to 0x200000002 without 0x100000002 (committed by member 1), 0x200000001');
    expect(checkZabInvariants([good[0] as MemberLog, good[1] as MemberLog, { ...holed, snapshotZxids: [e2(1)] }]).ok).toBe(true);
  });

  it('catches txns committed in an epoch no leader established', () => {
    const members: MemberLog[] = [{ member: 1, committed: [entry(e1(1)), entry(0x300000001n)], establishedEpochs: [{ epoch: 1, leader: 1 }] }];
    expect(violation(members)).toContain('committed txns in epochs no leader established: 3');
  });
});

describe('checkEqualDigests', () => {
  it('requires equal digests at equal zxids only', () => {
    expect(checkEqualDigests([{ member: 1, lastZxid: 5n, digest: 'a' }, { member: 2, lastZxid: 5n, digest: 'a' }, { member: 3, lastZxid: 4n, digest: 'b' }])).toEqual({ ok: true });
    const result = checkEqualDigests([{ member: 1, lastZxid: 5n, digest: 'a' }, { member: 2, lastZxid: 5n, digest: 'c' }]);
    expect(result.ok === false ? result.violation : '').toBe('members 1 and 2 both at 0x5 have different state digests: a and c');
  });
});
