// Generated from the Rust types by crates/model/tests/typescript.rs (ts-rs); do not edit.
// WHEELHOUSE_WRITE_TS=1 cargo test -p wheelhouse-model --test typescript rewrites it.

export type WarningReason = "Forbidden" | "NotFound" | "Unavailable" | "Unreadable" | "Loading" | "WatchFailing" | "GroupVersionUnavailable" | "CustomResourcesUnwatched";

export type Warning = { reason: WarningReason, 
/**
 * What could not be read (`events in namespace team-a`); `null` when the reason says it.
 */
what: string | null, 
/**
 * The cause in words a person can act on, quoting the API server where it answered.
 */
message: string, };

export type ColumnType = "text" | "integer" | "quantity" | "since" | "ratio" | "status" | "restarts" | "duration" | "usage";

export type Severity = "ok" | "neutral" | "progressing" | "warning" | "error";

export type Column = { 
/**
 * Stable identifier, used in `sort=` and as the row's field name (`ready`, `restarts`).
 */
id: string, 
/**
 * i18n key of the header; the English text is the key (`columns|Ready`).
 */
title: string, type: ColumnType, sortable: boolean, 
/**
 * Shown by `kubectl get -o wide` only: the UI may hide it on narrow screens.
 */
wide: boolean, };
