/**
 * nodeKeys: how build nodes are named — one object per (target, TU), one
 * link per target, one generate node per generator. Shared by the analyzers (which key closures by object)
 * and the engine; it knows nothing else of either.
 */
export const objectKey = (target: string, tu: string): string => `obj:${target}:${tu}`;
export const linkKey = (target: string): string => `link:${target}`;
export const generatorKey = (name: string): string => `gen:${name}`;
