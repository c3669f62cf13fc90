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
    private static final int LEASE_TAG = KeyValue.LEASE_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_VARINT;
    private static final int CREATE_REVISION_TAG =
            KeyValue.CREATE_REVISION_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_VARINT;
    private static final int VERSION_TAG = KeyValue.VERSION_FIELD_NUMBER << 3 | WireFormat.WIRETYPE_VARINT;

    private KeyBucket() {
    }

    static KeyValue decode(Revision revision, byte[] record) {
        try {
            return KeyValue.parseFrom(record);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalStateException("mvcc: unreadable record at revision " + revision, e);
        }
    }

    /** What rebuilding the index needs of a record: all of it but the value. */
    record Header(byte[] key, long createRevision, long version, long lease) {
    }

    /** A record's key, create revision, version and lease, without decoding the (possibly large) value. */
    static Header header(byte[] record) {
        byte[] key = null;
        long createRevision = 0;
        long version = 0;
        long lease = 0;
        try {
            CodedInputStream in = CodedInputStream.newInstance(record);
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                if (tag == KEY_TAG) {
                    key = in.readByteArray();
                } else if (tag == CREATE_REVISION_TAG) {
                    createRevision = in.readInt64();
                } else if (tag == VERSION_TAG) {
                    version = in.readInt64();
                } else if (tag == LEASE_TAG) {
                    lease = in.readInt64();
                } else if (!in.skipField(tag)) {
                    break;
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("mvcc: unreadable record", e);
        }
        if (key == null) {
            throw new IllegalStateException("mvcc: record without a key");
        }
        return new Header(key, createRevision, version, lease);
    }

    /** The user key of a record, without decoding the (possibly large) value. */
    static byte[] userKey(byte[] record) {
        return header(record).key();
    }
}
