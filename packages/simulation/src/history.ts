/** The simulation records histories in @vivarium/checker's format, which its checkers consume. */
export type * from '@vivarium/checker';
