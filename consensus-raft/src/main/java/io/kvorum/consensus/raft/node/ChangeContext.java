package io.kvorum.consensus.raft.node;

import io.kvorum.spi.consensus.Member;

/**
 * What a configuration change entry carries besides the Raft change itself (etcd keeps the member
 * as JSON there): the member it concerns, as it will be registered, whether it promotes a learner,
 * and the id of the request that waits for it on the member that proposed it (0 for none).
 */
record ChangeContext(long requestId, boolean promote, Member member) {

    byte[] encode() {
        return Wire.bytes(out -> {
            out.writeLong(requestId);
            out.writeBoolean(promote);
            Wire.writeMember(out, member);
        });
    }

    static ChangeContext decode(byte[] bytes) {
        return Wire.read(bytes, in -> new ChangeContext(in.readLong(), in.readBoolean(), Wire.readMember(in)));
    }
}
