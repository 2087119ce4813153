/**
 * nodeKeys: how build nodes are named — one object per (target, TU), one
 * link per target, one generate node per generator. Shared by the analyzers (which key closures by object)
 * and the engine; it knows nothing else of either.
 */
/** A `variant` object (perSource `variant`) of the TU: `obj:<target>:<tu>#<variant>`. */
export const objectKey = (target: string, tu: string, variant?: string): string => (variant === undefined ? `obj:${target}:${tu}` : `obj:${target}:${tu}#${variant}`);
export const linkKey = (target: string): string => `link:${target}`;
export const generatorKey = (name: string): string => `gen:${name}`;
