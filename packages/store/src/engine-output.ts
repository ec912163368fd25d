import type { ConnectResponse, ReplyHeader, Response, WatcherEvent } from '@vivarium/protocol';

/** What the engine says to one connection, in the order it must reach the client. */
export type EngineOutput =
  | { kind: 'connected'; response: ConnectResponse }
  | { kind: 'reply'; header: ReplyHeader; requestType: number; response: Response | undefined }
  | { kind: 'event'; event: WatcherEvent; zxid: bigint }
  /** The server closes the connection: after sending anything queued before this. */
  | { kind: 'close'; reason: CloseReason };

export type CloseReason =
  | 'sessionExpired'
  | 'sessionClosed'
  | 'sessionMovedToAnotherConnection'
  | 'authFailed'
  | 'unimplemented'
  | 'invalidSession'
  | 'clientZxidAhead'
  | 'sessionLimit'
  | 'outputLimit'
  | 'engineClosed'
  | 'notServing';

export type ConnectionSink = (outputs: readonly EngineOutput[]) => void;
