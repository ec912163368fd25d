export * from './error-codes.ts';
export * from './op-codes.ts';
export * from './constants.ts';
export type * from './records.ts';
