package io.kvorum.server.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.kvorum.api.authpb.Permission;
import io.kvorum.api.authpb.UserAddOptions;
import io.kvorum.api.etcdserverpb.AuthEnableRequest;
import io.kvorum.api.etcdserverpb.AuthDisableRequest;
import io.kvorum.api.etcdserverpb.AuthRoleAddRequest;
import io.kvorum.api.etcdserverpb.AuthRoleDeleteRequest;
import io.kvorum.api.etcdserverpb.AuthRoleGetRequest;
import io.kvorum.api.etcdserverpb.AuthRoleGetResponse;
import io.kvorum.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.kvorum.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.kvorum.api.etcdserverpb.AuthStatusRequest;
import io.kvorum.api.etcdserverpb.AuthStatusResponse;
import io.kvorum.api.etcdserverpb.AuthUserAddRequest;
import io.kvorum.api.etcdserverpb.AuthUserDeleteRequest;
import io.kvorum.api.etcdserverpb.AuthUserGetRequest;
import io.kvorum.api.etcdserverpb.AuthUserGetResponse;
import io.kvorum.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.kvorum.api.etcdserverpb.AuthUserListRequest;
import io.kvorum.api.etcdserverpb.AuthUserListResponse;
import io.kvorum.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.kvorum.api.etcdserverpb.AuthenticateResponse;
import io.kvorum.api.etcdserverpb.Compare;
import io.kvorum.api.etcdserverpb.DeleteRangeRequest;
import io.kvorum.api.etcdserverpb.InternalAuthenticateRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.LeaseGrantRequest;
import io.kvorum.api.etcdserverpb.LeaseRevokeRequest;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.PutResponse;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.RequestHeader;
import io.kvorum.api.etcdserverpb.RequestOp;
import io.kvorum.api.etcdserverpb.TxnRequest;
import io.kvorum.api.etcdserverpb.TxnResponse;
import io.kvorum.server.auth.AuthInfo;
import io.kvorum.server.auth.Passwords;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.lease.Lessor;
import io.kvorum.server.mvcc.InMemoryBackend;
import io.kvorum.server.mvcc.MvccStore;
import io.kvorum.spi.consensus.Entry;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The auth store as the log applies it: etcd's answers to user and role administration, the root
 * rules, and the permission checks of writes made with the user and auth revision of the entry.
 */
class ApplierAuthTest {
    private static final AuthInfo NOBODY = AuthInfo.NONE;

    private final InMemoryBackend backend = new InMemoryBackend();
    private Applier member = applier(backend);
    private long index;

    private static Applier applier(InMemoryBackend backend) {
        return new Applier(MvccStore.open(backend), Runnable::run, new Lessor(2, System::nanoTime));
    }

    /** Applies one request made by {@code who} and returns its answer, or the etcd error it failed with. */
    private Object apply(InternalRaftRequest.Builder request, AuthInfo who) throws Exception {
        long id = ++index;
        CompletableFuture<Object> answer = member.await(id);
        request.setID(id).setHeader(RequestHeader.newBuilder().setID(id).setUsername(who.user())
                .setAuthRevision(who.revision()));
        member.apply(List.of(new Entry(id, 2, request.build().toByteArray())), true);
        try {
            return answer.get(1, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return ((EtcdException) e.getCause()).error();
        }
    }

    /** {@code user} as a token issued now would name them. */
    private AuthInfo as(String user) {
        return new AuthInfo(user, member.auth().state().revision());
    }

    private AuthInfo root() {
        return as("root");
    }

    private static String hash(String password) {
        return Base64.getEncoder().encodeToString(Passwords.hash(password, Passwords.MIN_COST));
    }

    private static InternalRaftRequest.Builder userAdd(String name) {
        return InternalRaftRequest.newBuilder().setAuthUserAdd(AuthUserAddRequest.newBuilder().setName(name)
                .setHashedPassword(hash(name + "pw")));
    }

    private static InternalRaftRequest.Builder roleAdd(String name) {
        return InternalRaftRequest.newBuilder().setAuthRoleAdd(AuthRoleAddRequest.newBuilder().setName(name));
    }

    private static InternalRaftRequest.Builder grantRole(String user, String role) {
        return InternalRaftRequest.newBuilder().setAuthUserGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser(user).setRole(role));
    }

    private static InternalRaftRequest.Builder grant(String role, Permission.Type type, String key, String end) {
        return InternalRaftRequest.newBuilder().setAuthRoleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder()
                .setName(role).setPerm(Permission.newBuilder().setPermType(type).setKey(bs(key)).setRangeEnd(bs(end))));
    }

    private static InternalRaftRequest.Builder enable() {
        return InternalRaftRequest.newBuilder().setAuthEnable(AuthEnableRequest.getDefaultInstance());
    }

    private static InternalRaftRequest.Builder put(String key) {
        return InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(bs(key)).setValue(bs("v")));
    }

    private static ByteString bs(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private static RequestOp putOp(String key) {
        return RequestOp.newBuilder().setRequestPut(PutRequest.newBuilder().setKey(bs(key))).build();
    }

    private static RequestOp getOp(String key) {
        return RequestOp.newBuilder().setRequestRange(RangeRequest.newBuilder().setKey(bs(key))).build();
    }

    /** root (with role root) and alice, whose role "app" reads k1 and reads-writes the prefix app/; auth on. */
    private void enabledWithAlice() throws Exception {
        apply(userAdd("root"), NOBODY);
        apply(grantRole("root", "root"), NOBODY);
        apply(userAdd("alice"), NOBODY);
        apply(roleAdd("app"), NOBODY);
        apply(grant("app", Permission.Type.READ, "k1", ""), NOBODY);
        apply(grant("app", Permission.Type.READWRITE, "app/", "app0"), NOBODY);
        apply(grantRole("alice", "app"), NOBODY);
        assertInstanceOf(io.kvorum.api.etcdserverpb.AuthEnableResponse.class, apply(enable(), NOBODY));
    }

    @Test
    void userAndRoleAdministrationFailsAsEtcdDoes() throws Exception {
        assertEquals(EtcdError.USER_EMPTY, apply(userAdd(""), NOBODY));
        apply(userAdd("alice"), NOBODY);
        assertEquals(EtcdError.USER_ALREADY_EXIST, apply(userAdd("alice"), NOBODY));
        assertEquals(EtcdError.ROLE_EMPTY, apply(roleAdd(""), NOBODY));
        apply(roleAdd("app"), NOBODY);
        assertEquals(EtcdError.ROLE_ALREADY_EXIST, apply(roleAdd("app"), NOBODY));
        assertEquals(EtcdError.ROLE_NOT_FOUND, apply(grantRole("alice", "nope"), NOBODY));
        assertEquals(EtcdError.USER_NOT_FOUND, apply(grantRole("nobody", "app"), NOBODY));
        assertEquals(EtcdError.ROLE_NOT_GRANTED, apply(InternalRaftRequest.newBuilder().setAuthUserRevokeRole(
                AuthUserRevokeRoleRequest.newBuilder().setName("alice").setRole("app")), NOBODY));
        assertEquals(EtcdError.ROLE_NOT_FOUND, apply(grant("nope", Permission.Type.READ, "k", ""), NOBODY));
        assertEquals(EtcdError.PERMISSION_NOT_GIVEN, apply(InternalRaftRequest.newBuilder().setAuthRoleGrantPermission(
                AuthRoleGrantPermissionRequest.newBuilder().setName("app")), NOBODY));
        assertEquals(EtcdError.INVALID_AUTH_MGMT, apply(grant("app", Permission.Type.READ, "b", "a"), NOBODY));
        assertEquals(EtcdError.PERMISSION_NOT_GRANTED, apply(InternalRaftRequest.newBuilder().setAuthRoleRevokePermission(
                AuthRoleRevokePermissionRequest.newBuilder().setRole("app").setKey(bs("k"))), NOBODY));
        assertEquals(EtcdError.USER_NOT_FOUND, apply(InternalRaftRequest.newBuilder().setAuthUserDelete(
                AuthUserDeleteRequest.newBuilder().setName("nobody")), NOBODY));
        assertEquals(EtcdError.ROLE_NOT_FOUND, apply(InternalRaftRequest.newBuilder().setAuthRoleDelete(
                AuthRoleDeleteRequest.newBuilder().setRole("nope")), NOBODY));
    }

    @Test
    void rolesAndNamesAreKeptSortedAndEveryChangeBumpsTheRevision() throws Exception {
        long start = member.auth().state().revision();
        assertEquals(1, start);
        apply(userAdd("zed"), NOBODY);
        apply(userAdd("amy"), NOBODY);
        apply(roleAdd("b"), NOBODY);
        apply(roleAdd("a"), NOBODY);
        apply(grantRole("zed", "b"), NOBODY);
        apply(grantRole("zed", "a"), NOBODY);
        long before = member.auth().state().revision();
        apply(grantRole("zed", "a"), NOBODY); // granted already: a success that changes nothing
        assertEquals(before, member.auth().state().revision());
        assertEquals(start + 6, before);
        assertEquals(List.of("amy", "zed"), ((AuthUserListResponse) apply(InternalRaftRequest.newBuilder()
                .setAuthUserList(AuthUserListRequest.getDefaultInstance()), NOBODY)).getUsersList());
        assertEquals(List.of("a", "b"), ((AuthUserGetResponse) apply(InternalRaftRequest.newBuilder()
                .setAuthUserGet(AuthUserGetRequest.newBuilder().setName("zed")), NOBODY)).getRolesList());

        apply(grant("a", Permission.Type.WRITE, "k2", ""), NOBODY);
        apply(grant("a", Permission.Type.READ, "k1", ""), NOBODY);
        apply(grant("a", Permission.Type.READWRITE, "k2", ""), NOBODY); // same key and end: the type changes
        AuthRoleGetResponse role = (AuthRoleGetResponse) apply(InternalRaftRequest.newBuilder()
                .setAuthRoleGet(AuthRoleGetRequest.newBuilder().setRole("a")), NOBODY);
        assertEquals(List.of("k1", "k2"), role.getPermList().stream().map(p -> p.getKey().toStringUtf8()).toList());
        assertEquals(Permission.Type.READWRITE, role.getPerm(1).getPermType());

        apply(InternalRaftRequest.newBuilder().setAuthRoleDelete(AuthRoleDeleteRequest.newBuilder().setRole("a")), NOBODY);
        assertEquals(List.of("b"), ((AuthUserGetResponse) apply(InternalRaftRequest.newBuilder()
                .setAuthUserGet(AuthUserGetRequest.newBuilder().setName("zed")), NOBODY)).getRolesList());
    }

    @Test
    void enablingNeedsUserRootWithRoleRootAndThenRootStays() throws Exception {
        assertEquals(EtcdError.ROOT_USER_NOT_EXIST, apply(enable(), NOBODY));
        apply(userAdd("root"), NOBODY);
        assertEquals(EtcdError.ROOT_ROLE_NOT_EXIST, apply(enable(), NOBODY));
        apply(grantRole("root", "root"), NOBODY); // role root needs no adding
        long revision = member.auth().state().revision();
        apply(enable(), NOBODY);
        assertTrue(member.auth().state().enabled());
        assertEquals(revision, member.auth().state().revision());

        assertEquals(EtcdError.INVALID_AUTH_MGMT, apply(InternalRaftRequest.newBuilder().setAuthUserDelete(
                AuthUserDeleteRequest.newBuilder().setName("root")), root()));
        assertEquals(EtcdError.INVALID_AUTH_MGMT, apply(InternalRaftRequest.newBuilder().setAuthUserRevokeRole(
                AuthUserRevokeRoleRequest.newBuilder().setName("root").setRole("root")), root()));
        assertEquals(EtcdError.INVALID_AUTH_MGMT, apply(InternalRaftRequest.newBuilder().setAuthRoleDelete(
                AuthRoleDeleteRequest.newBuilder().setRole("root")), root()));
        AuthStatusResponse status = (AuthStatusResponse) apply(InternalRaftRequest.newBuilder()
                .setAuthStatus(AuthStatusRequest.getDefaultInstance()), root());
        assertTrue(status.getEnabled());
        assertEquals(revision, status.getAuthRevision());
    }

    @Test
    void administrationIsRootsOnceAuthIsOn() throws Exception {
        enabledWithAlice();
        assertEquals(EtcdError.USER_EMPTY, apply(userAdd("carol"), NOBODY));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(userAdd("carol"), as("alice")));
        assertEquals(EtcdError.USER_NOT_FOUND, apply(userAdd("carol"), as("ghost")));
        assertInstanceOf(io.kvorum.api.etcdserverpb.AuthUserAddResponse.class, apply(userAdd("carol"), root()));
        // a user reads their own record and the roles they hold, nothing else
        assertEquals(List.of("app"), ((AuthUserGetResponse) apply(InternalRaftRequest.newBuilder()
                .setAuthUserGet(AuthUserGetRequest.newBuilder().setName("alice")), as("alice"))).getRolesList());
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder()
                .setAuthUserGet(AuthUserGetRequest.newBuilder().setName("root")), as("alice")));
        assertInstanceOf(AuthRoleGetResponse.class, apply(InternalRaftRequest.newBuilder()
                .setAuthRoleGet(AuthRoleGetRequest.newBuilder().setRole("app")), as("alice")));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder()
                .setAuthRoleGet(AuthRoleGetRequest.newBuilder().setRole("root")), as("alice")));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder()
                .setAuthDisable(AuthDisableRequest.getDefaultInstance()), as("alice")));
        apply(InternalRaftRequest.newBuilder().setAuthDisable(AuthDisableRequest.getDefaultInstance()), root());
        assertFalse(member.auth().state().enabled());
    }

    @Test
    void writesAreCheckedWithTheEntrysUserAndRevision() throws Exception {
        enabledWithAlice();
        assertEquals(EtcdError.USER_EMPTY, apply(put("app/a"), NOBODY));
        assertInstanceOf(PutResponse.class, apply(put("app/a"), as("alice")));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(put("k1"), as("alice")));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(put("app"), as("alice")));
        assertInstanceOf(PutResponse.class, apply(put("k1"), root()));
        // prev_kv reads too; with read permission only on k1, a put of k1 with prev_kv is still a write
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder().setPut(
                PutRequest.newBuilder().setKey(bs("k1")).setPrevKv(true)), as("alice")));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder().setDeleteRange(
                DeleteRangeRequest.newBuilder().setKey(bs("a")).setRangeEnd(bs("b"))), as("alice")));
        assertInstanceOf(io.kvorum.api.etcdserverpb.DeleteRangeResponse.class, apply(InternalRaftRequest.newBuilder()
                .setDeleteRange(DeleteRangeRequest.newBuilder().setKey(bs("app/")).setRangeEnd(bs("app0")).setPrevKv(true)),
                as("alice")));

        // a token from before the store changed is old
        AuthInfo stale = as("alice");
        apply(userAdd("dave"), root());
        assertEquals(EtcdError.AUTH_OLD_REVISION, apply(put("app/b"), stale));
    }

    @Test
    void aTxnNeedsWhatEveryCompareAndBothBranchesNeedNestedTxnsIncluded() throws Exception {
        enabledWithAlice();
        TxnRequest allowed = TxnRequest.newBuilder()
                .addCompare(Compare.newBuilder().setKey(bs("k1")).setTarget(Compare.CompareTarget.VERSION))
                .addSuccess(putOp("app/x")).addFailure(getOp("k1")).build();
        assertInstanceOf(TxnResponse.class, apply(InternalRaftRequest.newBuilder().setTxn(allowed), as("alice")));

        TxnRequest compareDenied = allowed.toBuilder().addCompare(Compare.newBuilder().setKey(bs("secret"))).build();
        TxnRequest failureDenied = allowed.toBuilder().addFailure(putOp("k1")).build();
        TxnRequest nestedDenied = allowed.toBuilder().addFailure(RequestOp.newBuilder().setRequestTxn(
                TxnRequest.newBuilder().addSuccess(getOp("secret")))).build();
        for (TxnRequest denied : List.of(compareDenied, failureDenied, nestedDenied)) {
            assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder().setTxn(denied), as("alice")),
                    denied.toString());
        }
        assertEquals(1, member.store().range(bs("app/x").toByteArray(), null, 0, 0).kvs().size());
        assertEquals(0, member.store().range(bs("secret").toByteArray(), null, 0, 0).kvs().size());
    }

    @Test
    void revokingALeaseOrAttachingToItNeedsWritePermissionOnItsKeys() throws Exception {
        enabledWithAlice();
        apply(InternalRaftRequest.newBuilder().setLeaseGrant(LeaseGrantRequest.newBuilder().setID(7).setTTL(100)), root());
        apply(InternalRaftRequest.newBuilder().setPut(PutRequest.newBuilder().setKey(bs("k1")).setLease(7)), root());
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder()
                .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(7)), as("alice")));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(InternalRaftRequest.newBuilder()
                .setPut(PutRequest.newBuilder().setKey(bs("app/l")).setLease(7)), as("alice")));
        assertInstanceOf(io.kvorum.api.etcdserverpb.LeaseRevokeResponse.class, apply(InternalRaftRequest.newBuilder()
                .setLeaseRevoke(LeaseRevokeRequest.newBuilder().setID(7)), root()));
    }

    @Test
    void authenticationAssignsTheSameTokenOnEveryMemberAndOnlyToUsersWithAPassword() throws Exception {
        InternalRaftRequest.Builder authenticate = InternalRaftRequest.newBuilder().setAuthenticate(
                InternalAuthenticateRequest.newBuilder().setName("alice").setSimpleToken("AbcDefGhiJklMnoP"));
        assertEquals(EtcdError.AUTH_NOT_ENABLED, apply(authenticate.clone(), NOBODY));
        enabledWithAlice();
        AuthenticateResponse r = (AuthenticateResponse) apply(authenticate.clone(), NOBODY);
        assertEquals("AbcDefGhiJklMnoP." + index, r.getToken());
        AuthInfo who = member.auth().resolve(r.getToken()).get(1, TimeUnit.SECONDS);
        assertEquals("alice", who.user());

        apply(InternalRaftRequest.newBuilder().setAuthUserAdd(AuthUserAddRequest.newBuilder().setName("bob")
                .setOptions(UserAddOptions.newBuilder().setNoPassword(true))), root());
        assertEquals(EtcdError.AUTH_FAILED, apply(InternalRaftRequest.newBuilder().setAuthenticate(
                InternalAuthenticateRequest.newBuilder().setName("bob").setSimpleToken("x")), NOBODY));
        assertEquals(EtcdError.AUTH_FAILED, apply(InternalRaftRequest.newBuilder().setAuthenticate(
                InternalAuthenticateRequest.newBuilder().setName("ghost").setSimpleToken("x")), NOBODY));

        // a deleted user's tokens are void
        apply(InternalRaftRequest.newBuilder().setAuthUserDelete(AuthUserDeleteRequest.newBuilder().setName("alice")), root());
        ExecutionException gone = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                () -> member.auth().resolve(r.getToken()).get(1, TimeUnit.SECONDS));
        assertEquals(EtcdError.INVALID_AUTH_TOKEN, ((EtcdException) gone.getCause()).error());
    }

    @Test
    void theStoreIsInTheBackendAndSurvivesARestart() throws Exception {
        enabledWithAlice();
        long revision = member.auth().state().revision();
        member = applier(backend.restart());
        assertTrue(member.auth().state().enabled());
        assertEquals(revision, member.auth().state().revision());
        assertTrue(member.auth().state().hasRole("alice", "app"));
        assertEquals(EtcdError.PERMISSION_DENIED, apply(put("k1"), as("alice")));
        assertInstanceOf(PutResponse.class, apply(put("app/after"), as("alice")));
        assertEquals(0L, member.auth().checkPassword("alice", "alicepw") - revision);
    }

    @Test
    void aSnapshotCarriesTheAuthStoreToAMemberThatHadNone() throws Exception {
        enabledWithAlice();
        java.io.ByteArrayOutputStream image = new java.io.ByteArrayOutputStream();
        member.writeSnapshot(image);
        Applier behind = applier(new InMemoryBackend());
        assertFalse(behind.auth().state().enabled());
        behind.restoreSnapshot(new java.io.ByteArrayInputStream(image.toByteArray()));
        assertTrue(behind.auth().state().enabled());
        assertEquals(member.auth().state().revision(), behind.auth().state().revision());
        assertTrue(behind.auth().state().hasRole("alice", "app"));
        assertTrue(behind.auth().state().hasRole("root", "root"));
    }
}
