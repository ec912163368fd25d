#!/usr/bin/env node
// The writer half of the crash test (test/storage/crash.test.ts): a member on FileStorage
// (forceSync on) that writes as fast as it can and reports on stdout, one line each:
//   ready <lastZxid hex>                            recovered, about to write
//   session <id hex> <password hex>                 a session the engine acknowledged
//   op <seq> <json>                                 about to submit this write
//   ack <seq> <zxid hex> <err>                      the engine replied (so the write is durable)
// The test kills it with SIGKILL at a random moment and checks the dataDir against these lines.
// Imports the built packages (npx tsc -b first). stdout on a pipe is synchronous on Linux, so a
// line printed before the kill is a line the test reads.
import { OpCode } from '@vivarium/protocol';
import { FileStorage } from '@vivarium/server';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';

const [dataDir, seedText, roundText] = process.argv.slice(2);
if (dataDir === undefined || seedText === undefined || roundText === undefined) throw new Error('usage: crash-writer.mjs <dataDir> <seed> <round>');
const seed = Number(seedText);
const round = Number(roundText);
const random = new SeededRandom(seed);
const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const encoder = new TextEncoder();
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const say = (line) => process.stdout.write(`${line}\n`);

const storage = new FileStorage({ dataDir, forceSync: true });
// A small snapCount, so snapshots (and log rolls) happen often enough to be hit by a kill.
const engine = new Engine({ clock: new ManualClock(), random: random.fork('engine'), snapCount: 40, maxSessionTimeoutMs: 600_000, storage });
engine.checkInvariants();
say(`ready ${engine.lastProcessedZxid.toString(16)}`);

let pendingAck;
function openSession() {
  let id;
  const connection = engine.openConnection({
    remoteAddress: '127.0.0.1',
    sink: (outputs) => {
      for (const output of outputs) {
        if (output.kind === 'connected') {
          id = output.response.sessionId;
          say(`session ${id.toString(16)} ${hex(output.response.passwd)}`);
        } else if (output.kind === 'reply' && pendingAck !== undefined) {
          say(`ack ${pendingAck} ${output.header.zxid.toString(16)} ${output.header.err}`);
          pendingAck = undefined;
        }
      }
    },
  });
  engine.connect(connection, { protocolVersion: 0, lastZxidSeen: engine.lastProcessedZxid, timeOutMs: 600_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
  return connection;
}

const owner = openSession();
const ephemeralOwner = openSession();
const live = [];
let seq = 0;
let xid = 1;

function submit(connection, op, request) {
  seq++;
  say(`op ${seq} ${JSON.stringify(op)}`);
  pendingAck = seq;
  engine.submit(connection, xid++, request);
}

function step() {
  const roll = random.nextInt(100);
  const name = `/r${round}-${seq}`;
  if (roll < 35 || live.length < 3) {
    const data = `${round}:${seq}`;
    submit(owner, { kind: 'create', path: name, data }, { type: OpCode.create, path: name, data: encoder.encode(data), acl, flags: 0 });
    live.push(name);
  } else if (roll < 60) {
    const path = live[random.nextInt(live.length)];
    const data = `set ${round}:${seq}`;
    submit(owner, { kind: 'set', path, data }, { type: OpCode.setData, path, data: encoder.encode(data), version: -1 });
  } else if (roll < 75) {
    const path = live.splice(random.nextInt(live.length), 1)[0];
    submit(owner, { kind: 'delete', path }, { type: OpCode.delete, path, version: -1 });
  } else if (roll < 88) {
    const path = `/e${round}-${seq}`;
    submit(ephemeralOwner, { kind: 'create', path, data: 'eph' }, { type: OpCode.create, path, data: encoder.encode('eph'), acl, flags: 1 });
  } else {
    const a = `${name}a`;
    const b = `${name}b`;
    submit(
      owner,
      { kind: 'multi', creates: [[a, 'ma'], [b, 'mb']] },
      { type: OpCode.multi, ops: [a, b].map((path, i) => ({ type: OpCode.create, path, data: encoder.encode(i === 0 ? 'ma' : 'mb'), acl, flags: 0 })) },
    );
  }
}

// Writes in slices, so a kill can land anywhere, including between slices; then idle until killed.
const opsMax = 4000;
function slice() {
  for (let i = 0; i < 25 && seq < opsMax; i++) step();
  if (seq < opsMax) setImmediate(slice);
  else setTimeout(() => process.exit(0), 60_000);
}
slice();
