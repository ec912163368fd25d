import { errorCodeWireName } from '@vivarium/protocol';
import type { MultiSubOp, Operation, OperationBody, Outcome } from './history.ts';

/** Readable pieces for violation messages. */

export function formatMs(ms: number): string {
  return Number.isFinite(ms) ? `${ms}` : ms > 0 ? '∞' : '-∞';
}

export function formatZxid(zxid: bigint): string {
  return `0x${zxid.toString(16)}`;
}

export function formatData(data: string | null): string {
  return data === null ? 'null' : JSON.stringify(data);
}

function versionArg(version: number): string {
  return version === -1 ? 'any version' : `version ${version}`;
}

export function describeSubOp(op: MultiSubOp | Exclude<OperationBody, { type: 'multi' }>): string {
  switch (op.type) {
    case 'create': {
      const modes = [op.ephemeral ? 'ephemeral' : '', op.sequential ? 'sequential' : '', op.container === true ? 'container' : '', op.ttl === true ? 'ttl' : '']
        .filter((m) => m !== '')
        .join(' ');
      return `create ${op.path} ${formatData(op.data)}${modes === '' ? '' : ` (${modes})`}`;
    }
    case 'delete':
      return `delete ${op.path} (${versionArg(op.version)})`;
    case 'setData':
      return `setData ${op.path} ${formatData(op.data)} (${versionArg(op.version)})`;
    case 'check':
      return `check ${op.path} (${versionArg(op.version)})`;
    case 'getData':
    case 'exists':
    case 'getChildren':
      return `${op.type} ${op.path}${op.watch === true ? ' (watch)' : ''}`;
    case 'sync':
      return `sync ${op.path}`;
  }
}

export function describeBody(body: OperationBody): string {
  if (body.type === 'multi') return `multi [${body.ops.map(describeSubOp).join('; ')}]`;
  return describeSubOp(body);
}

export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (Array.isArray(value)) return `[${value.map(describeValue).join(', ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${k} ${describeValue(v)}`);
    return `{${entries.join(', ')}}`;
  }
  return String(value);
}

export function describeCode(code: number): string {
  return `${errorCodeWireName(code)} (${code})`;
}

export function describeOutcome(outcome: Outcome<unknown>): string {
  switch (outcome.kind) {
    case 'ok':
      return `ok ${describeValue(outcome.value)}`;
    case 'error':
      return `error ${describeCode(outcome.code)}${outcome.failedIndex === undefined ? '' : ` at sub-op ${outcome.failedIndex}`}`;
    case 'unknown':
      return 'unknown (maybe applied)';
  }
}

/** `#12 client 1 session 1a2b [10–14 ms] setData /a "x" (any version) -> ok {version 2}` */
export function describeOperation(op: Operation): string {
  return `#${op.id} client ${op.client} session ${op.session} [${formatMs(op.callMs)}–${formatMs(op.returnMs)} ms] ${describeBody(op.op)} -> ${describeOutcome(op.outcome)}`;
}
