/**
 * The bytes members exchange on their peer ports (the TCP peer transport; the
 * worker transport sends the same frames without the length prefix, since a
 * MessagePort keeps message boundaries).
 *
 *   frame    = u32 length (big-endian, of kind + body; 1..frameBytesMax) | u8 kind | body
 *   HELLO    (kind 1) body = "VIVQ" | u8 version | u32 sender id | u32 receiver id   (13 bytes)
 *   ENVELOPE (kind 2) body = one member-codec peer envelope record (its own version byte first)
 *
 * A connection's first frame must be a HELLO from the dialling member, naming
 * itself and the member it meant to reach; everything after it is ENVELOPEs.
 */

export const peerFrameKind = { hello: 1, envelope: 2 } as const;

/** Written in every HELLO; a member refuses a HELLO of another version. */
export const peerProtocolVersion = 1;

const magic = [0x56, 0x49, 0x56, 0x51]; // "VIVQ"

/** Kind byte + body of a HELLO: what its length prefix must say. */
export const helloFrameBytes = 1 + 4 + 1 + 4 + 4;

/** The default size limit of one frame between members: room for a snapshot of a sizeable tree. */
export const peerFrameBytesMaxDefault = 64 * 1024 * 1024;

export class PeerFrameError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeerFrameError';
  }
}

export function encodeHello(senderId: number, receiverId: number): Uint8Array {
  const out = new Uint8Array(4 + helloFrameBytes);
  const view = new DataView(out.buffer);
  view.setUint32(0, helloFrameBytes);
  out[4] = peerFrameKind.hello;
  out.set(magic, 5);
  out[9] = peerProtocolVersion;
  view.setUint32(10, senderId);
  view.setUint32(14, receiverId);
  return out;
}

/** The HELLO in a frame body (kind byte first); throws PeerFrameError for anything else. */
export function decodeHello(body: Uint8Array): { senderId: number; receiverId: number } {
  if (body.length !== helloFrameBytes || body[0] !== peerFrameKind.hello) throw new PeerFrameError(`expected a HELLO frame of ${helloFrameBytes} bytes, got kind ${body[0]} in ${body.length} bytes`);
  for (let i = 0; i < magic.length; i++) if (body[1 + i] !== magic[i]) throw new PeerFrameError('HELLO without the VIVQ magic: not a Vivarium member');
  if (body[5] !== peerProtocolVersion) throw new PeerFrameError(`HELLO of peer protocol version ${body[5]}; this member speaks version ${peerProtocolVersion}`);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  return { senderId: view.getUint32(6), receiverId: view.getUint32(10) };
}

/** A length-prefixed ENVELOPE frame around an encoded envelope record. */
export function encodeEnvelopeFrame(record: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + record.length);
  new DataView(out.buffer).setUint32(0, record.length + 1);
  out[4] = peerFrameKind.envelope;
  out.set(record, 5);
  return out;
}

/** The envelope record in a frame body (kind byte first); throws PeerFrameError for another kind. */
export function envelopeRecordOf(body: Uint8Array): Uint8Array {
  if (body[0] !== peerFrameKind.envelope) throw new PeerFrameError(`expected an ENVELOPE frame, got kind ${body[0]}`);
  return body.subarray(1);
}
