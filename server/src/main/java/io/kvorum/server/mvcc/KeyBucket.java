package io.kvorum.server.mvcc;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.WireFormat;
import io.kvorum.api.mvccpb.KeyValue;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The records of the {@code key} bucket: a {@link Revision} key maps to a serialized
 * {@link KeyValue}; a tombstone's value holds only the key and the delete's mod revision.
 */
final class KeyBucket {

    /** Hashed ahead of the records, as etcd's HashKV does. */
    static final byte[] NAME = "key".getBytes(StandardCharsets.US_ASCII);

    private static final int KEY_TAG =
            KeyValue.KEY_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private KeyBucket() {
    }

    static KeyValue decode(Revision revision, byte[] record) {
        try {
            return KeyValue.parseFrom(record);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("mvcc: unreadable record at revision " + revision, e);
        }
    }

    private static final int LEASE_TAG = KeyValue.LEASE_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_VARINT;

    /** The lease of a record (0: none), without decoding the (possibly large) value. */
    static long lease(byte[] record) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(record);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == LEASE_TAG) {
                    return in.readInt64();
                }
                if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("mvcc: unreadable record", e);
        }
        return 0;
    }

    /** The user key of a record, without decoding the (possibly large) value. */
    static byte[] userKey(byte[] record) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(record);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == KEY_TAG) {
                    return in.readByteArray();
                }
                if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("mvcc: unreadable record", e);
        }
        throw new IllegalStateException("mvcc: record without a key");
    }
}
