package io.kvorum.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.linecorp.armeria.client.grpc.GrpcClients;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import io.kvorum.api.authpb.Permission;
import io.kvorum.api.etcdserverpb.AuthEnableRequest;
import io.kvorum.api.etcdserverpb.AuthGrpc;
import io.kvorum.api.etcdserverpb.AuthRoleAddRequest;
import io.kvorum.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.kvorum.api.etcdserverpb.AuthStatusRequest;
import io.kvorum.api.etcdserverpb.AuthUserAddRequest;
import io.kvorum.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.kvorum.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.kvorum.api.etcdserverpb.AuthenticateRequest;
import io.kvorum.api.etcdserverpb.HashKVRequest;
import io.kvorum.api.etcdserverpb.KVGrpc;
import io.kvorum.api.etcdserverpb.MaintenanceGrpc;
import io.kvorum.api.etcdserverpb.PutRequest;
import io.kvorum.api.etcdserverpb.RangeRequest;
import io.kvorum.api.etcdserverpb.WatchCreateRequest;
import io.kvorum.api.etcdserverpb.WatchGrpc;
import io.kvorum.api.etcdserverpb.WatchRequest;
import io.kvorum.api.etcdserverpb.WatchResponse;
import io.kvorum.api.v3lockpb.LockGrpc;
import io.kvorum.api.v3lockpb.LockRequest;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Auth as a client sees it over gRPC: tokens from Authenticate in the {@code token} (or
 * {@code authorization}) metadata, etcd's errors for missing, invalid and insufficient
 * credentials, and the checks of services beyond KV.
 */
class AuthOverGrpcTest {
    private static final URI ANY_PORT = URI.create("http://127.0.0.1:0");

    @TempDir
    Path dir;
    private KvorumServer server;
    private String endpoint;

    @BeforeEach
    void start() throws Exception {
        server = KvorumServer.builder()
                .config(ServerConfig.builder().dataDir(dir).listenClientUrls(List.of(ANY_PORT))
                        .advertiseClientUrls(List.of(ANY_PORT)).bcryptCost(4).build())
                .backend(new KvorumServerTest.MemoryBackendProvider())
                .build();
        server.start();
        endpoint = server.clientUrls().get(0).toString();
        AuthGrpc.AuthBlockingStub auth = GrpcClients.newClient(endpoint, AuthGrpc.AuthBlockingStub.class);
        auth.userAdd(AuthUserAddRequest.newBuilder().setName("root").setPassword("rootpw").build());
        auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("root").setRole("root").build());
        auth.userAdd(AuthUserAddRequest.newBuilder().setName("alice").setPassword("alicepw").build());
        auth.roleAdd(AuthRoleAddRequest.newBuilder().setName("app").build());
        auth.roleGrantPermission(AuthRoleGrantPermissionRequest.newBuilder().setName("app")
                .setPerm(Permission.newBuilder().setPermType(Permission.Type.READWRITE).setKey(b("app/")).setRangeEnd(b("app0")))
                .build());
        auth.userGrantRole(AuthUserGrantRoleRequest.newBuilder().setUser("alice").setRole("app").build());
        auth.authEnable(AuthEnableRequest.getDefaultInstance());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static ByteString b(String s) {
        return ByteString.copyFromUtf8(s);
    }

    private String token(String user, String password) {
        return GrpcClients.newClient(endpoint, AuthGrpc.AuthBlockingStub.class)
                .authenticate(AuthenticateRequest.newBuilder().setName(user).setPassword(password).build()).getToken();
    }

    private <T> T with(String header, String token, Class<T> stub) {
        return GrpcClients.builder(endpoint).addHeader(header, token).build(stub);
    }

    private static void assertFails(Status.Code code, String message, Runnable call) {
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
        assertEquals(code, e.getStatus().getCode());
        assertEquals(message, e.getStatus().getDescription());
    }

    private static PutRequest put(String key) {
        return PutRequest.newBuilder().setKey(b(key)).setValue(b("v")).build();
    }

    @Test
    void aTokenFromAuthenticateOpensWhatTheUsersRolesAllow() {
        String token = token("alice", "alicepw");
        assertTrue(token.matches("[A-Za-z]{16}\\.\\d+"), token);
        KVGrpc.KVBlockingStub kv = with("token", token, KVGrpc.KVBlockingStub.class);
        kv.put(put("app/x"));
        assertEquals(1, kv.range(RangeRequest.newBuilder().setKey(b("app/")).setRangeEnd(b("app0")).build()).getCount());
        assertFails(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied", () -> kv.put(put("other")));
        assertFails(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied",
                () -> kv.range(RangeRequest.newBuilder().setKey(b("app")).build()));
        // the gateway's header works as well
        with("authorization", token, KVGrpc.KVBlockingStub.class).put(put("app/y"));
    }

    @Test
    void missingWrongAndVoidCredentialsGetEtcdsErrors() {
        KVGrpc.KVBlockingStub anonymous = GrpcClients.newClient(endpoint, KVGrpc.KVBlockingStub.class);
        assertFails(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty", () -> anonymous.put(put("app/x")));
        assertFails(Status.Code.INVALID_ARGUMENT, "etcdserver: user name is empty",
                () -> anonymous.range(RangeRequest.newBuilder().setKey(b("app/x")).build()));
        assertFails(Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password",
                () -> token("alice", "wrong"));
        assertFails(Status.Code.INVALID_ARGUMENT, "etcdserver: authentication failed, invalid user ID or password",
                () -> token("ghost", "x"));
        assertFails(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token",
                () -> with("token", "AbcDefGhiJklMnoP.1", KVGrpc.KVBlockingStub.class).put(put("app/x")));
        assertFails(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token",
                () -> with("token", "garbage", KVGrpc.KVBlockingStub.class).put(put("app/x")));

        // a new password voids the tokens issued before it
        String token = token("alice", "alicepw");
        with("token", token("root", "rootpw"), AuthGrpc.AuthBlockingStub.class).userChangePassword(
                AuthUserChangePasswordRequest.newBuilder().setName("alice").setPassword("new").build());
        assertFails(Status.Code.UNAUTHENTICATED, "etcdserver: invalid auth token",
                () -> with("token", token, KVGrpc.KVBlockingStub.class).put(put("app/x")));
        with("token", token("alice", "new"), KVGrpc.KVBlockingStub.class).put(put("app/x"));
    }

    @Test
    void maintenanceAndAuthAdministrationAreRootsAndRecipesCheckTheirKeys() {
        String alice = token("alice", "alicepw");
        String root = token("root", "rootpw");
        assertFails(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied",
                () -> with("token", alice, MaintenanceGrpc.MaintenanceBlockingStub.class).hashKV(HashKVRequest.getDefaultInstance()));
        with("token", root, MaintenanceGrpc.MaintenanceBlockingStub.class).hashKV(HashKVRequest.getDefaultInstance());
        assertFails(Status.Code.PERMISSION_DENIED, "etcdserver: permission denied",
                () -> with("token", alice, AuthGrpc.AuthBlockingStub.class).authStatus(AuthStatusRequest.getDefaultInstance()));
        assertTrue(with("token", root, AuthGrpc.AuthBlockingStub.class).authStatus(AuthStatusRequest.getDefaultInstance())
                .getEnabled());
        // etcd's Lock runs as the caller through a client of its own: its errors arrive as Unknown
        assertFails(Status.Code.UNKNOWN, "etcdserver: permission denied",
                () -> with("token", alice, LockGrpc.LockBlockingStub.class).lock(LockRequest.newBuilder().setName(b("other")).build()));
    }

    @Test
    void aWatchTheUserMayNotReadIsCreatedCanceledWithTheReason() throws Exception {
        WatchGrpc.WatchStub watch = with("token", token("alice", "alicepw"), WatchGrpc.WatchStub.class);
        CompletableFuture<WatchResponse> first = new CompletableFuture<>();
        StreamObserver<WatchRequest> requests = watch.watch(new StreamObserver<>() {
            @Override
            public void onNext(WatchResponse r) {
                first.complete(r);
            }

            @Override
            public void onError(Throwable t) {
                first.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        });
        requests.onNext(WatchRequest.newBuilder().setCreateRequest(WatchCreateRequest.newBuilder().setKey(b("other"))).build());
        WatchResponse r = first.get(10, TimeUnit.SECONDS);
        assertTrue(r.getCreated() && r.getCanceled());
        assertEquals(-1, r.getWatchId());
        assertEquals("rpc error: code = PermissionDenied desc = etcdserver: permission denied", r.getCancelReason());
        requests.onCompleted();
    }
}
