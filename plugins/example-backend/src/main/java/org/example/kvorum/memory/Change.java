package org.example.kvorum.memory;

import io.kvorum.spi.backend.Bucket;
import java.util.Objects;

/** One change of a write batch, as it is applied and as it is logged. */
sealed interface Change {

    Bucket bucket();

    record Put(Bucket bucket, byte[] key, byte[] value) implements Change {
        public Put {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(value, "value");
        }
    }

    record Delete(Bucket bucket, byte[] key) implements Change {
        public Delete {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(key, "key");
        }
    }

    /** Deletes every key in [{@code from}, {@code to}). */
    record DeleteRange(Bucket bucket, byte[] from, byte[] to) implements Change {
        public DeleteRange {
            Objects.requireNonNull(bucket, "bucket");
            Objects.requireNonNull(from, "from");
            Objects.requireNonNull(to, "to");
        }
    }
}
