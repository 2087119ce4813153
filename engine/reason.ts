/**
 * reason: why a node is rebuilt, as data, and its one-line form. Kept apart
 * from the planner (plan.ts decides the reasons), so that reporters and the
 * no-op fast path can show reasons without loading the planner and the
 * graph. No logic beyond formatting.
 */
export type Reason =
  | { readonly kind: 'new' }
  | { readonly kind: 'source-changed' }
  | { readonly kind: 'header-changed'; readonly path: string }
  | { readonly kind: 'flags-changed' }
  | { readonly kind: 'toolchain-changed' }
  | { readonly kind: 'template-changed' }
  | { readonly kind: 'output-missing' }
  | { readonly kind: 'dependency-changed' };

export function formatReason(r: Reason): string {
  return r.kind === 'header-changed' ? `header-changed: ${r.path}` : r.kind;
}

