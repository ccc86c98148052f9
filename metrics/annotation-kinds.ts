// The kinds an annotation may have: shared by the engine (metrics/annotations.ts), ingest (ingest/kinds.ts) and the
// pages' forms, without pulling anything else into the browser bundle.
export const ANNOTATION_KINDS = ['release', 'incident', 'policy', 'campaign', 'note'] as const;
export type AnnotationKind = (typeof ANNOTATION_KINDS)[number];
