//! One shape for every part of an answer the server could not give (docs/api.md, "Warnings"):
//! a detail page's forbidden lookup, a list still loading, a release record that cannot be read.
//! The types are generated from the server's (`generated.ts`).

export type { Warning, WarningReason } from './generated';
