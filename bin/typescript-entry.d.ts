/** Compiles a TypeScript entry and what it imports from the repository into one module; returns its path. */
export function compileTypeScript(entry: string): Promise<string>;
/** Imports a TypeScript entry of the repository, compiled (or, where that cannot be done, under tsx). */
export function importTypeScript(entry: string): Promise<unknown>;
/** True when the module compiled from `entry` exists and none of the files it was built from has changed since. */
export function isCompiledUpToDate(entry: string): boolean;
