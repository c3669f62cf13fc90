/**
 * The MVCC store: every change gets a revision, the {@code key} bucket keeps each revision's record,
 * and an in-memory index answers "which record does key k have at revision r". Start at
 * {@link io.kvorum.server.mvcc.MvccStore}: the apply thread writes through it, any thread reads.
 */
package io.kvorum.server.mvcc;
