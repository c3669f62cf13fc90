package io.kvorum.server.request;

import io.kvorum.api.etcdserverpb.AuthDisableRequest;
import io.kvorum.api.etcdserverpb.AuthDisableResponse;
import io.kvorum.api.etcdserverpb.AuthEnableRequest;
import io.kvorum.api.etcdserverpb.AuthEnableResponse;
import io.kvorum.api.etcdserverpb.AuthRoleAddRequest;
import io.kvorum.api.etcdserverpb.AuthRoleAddResponse;
import io.kvorum.api.etcdserverpb.AuthRoleDeleteRequest;
import io.kvorum.api.etcdserverpb.AuthRoleDeleteResponse;
import io.kvorum.api.etcdserverpb.AuthRoleGetRequest;
import io.kvorum.api.etcdserverpb.AuthRoleGetResponse;
import io.kvorum.api.etcdserverpb.AuthRoleGrantPermissionRequest;
import io.kvorum.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.kvorum.api.etcdserverpb.AuthRoleListRequest;
import io.kvorum.api.etcdserverpb.AuthRoleListResponse;
import io.kvorum.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.kvorum.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.kvorum.api.etcdserverpb.AuthStatusRequest;
import io.kvorum.api.etcdserverpb.AuthStatusResponse;
import io.kvorum.api.etcdserverpb.AuthUserAddRequest;
import io.kvorum.api.etcdserverpb.AuthUserAddResponse;
import io.kvorum.api.etcdserverpb.AuthUserChangePasswordRequest;
import io.kvorum.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.kvorum.api.etcdserverpb.AuthUserDeleteRequest;
import io.kvorum.api.etcdserverpb.AuthUserDeleteResponse;
import io.kvorum.api.etcdserverpb.AuthUserGetRequest;
import io.kvorum.api.etcdserverpb.AuthUserGetResponse;
import io.kvorum.api.etcdserverpb.AuthUserGrantRoleRequest;
import io.kvorum.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.kvorum.api.etcdserverpb.AuthUserListRequest;
import io.kvorum.api.etcdserverpb.AuthUserListResponse;
import io.kvorum.api.etcdserverpb.AuthUserRevokeRoleRequest;
import io.kvorum.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.kvorum.api.etcdserverpb.AuthenticateRequest;
import io.kvorum.api.etcdserverpb.AuthenticateResponse;
import io.kvorum.api.etcdserverpb.InternalAuthenticateRequest;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.server.auth.AuthInfo;
import io.kvorum.server.auth.AuthStore;
import io.kvorum.server.auth.Passwords;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;

/**
 * The Auth requests of one member: every one goes through the log (so the answer is the cluster's),
 * carrying the caller in its header for the checks where it is applied. Passwords are hashed here,
 * on the hashing executor, before proposing; Authenticate checks the password here too, then
 * proposes, so that every member learns the token.
 */
public final class AuthRequests {
    /** How often an authentication is made again when the store changed under its password check. */
    private static final int MAX_AUTHENTICATE_ATTEMPTS = 5;

    private final KvRequests kv;
    private final AuthStore auth;
    private final Executor hashing;
    private final int bcryptCost;

    /**
     * @param hashing    where bcrypt runs (never the apply loop, never a gRPC event loop)
     * @param bcryptCost {@code --bcrypt-cost}
     */
    public AuthRequests(KvRequests kv, AuthStore auth, Executor hashing, int bcryptCost) {
        this.kv = kv;
        this.auth = auth;
        this.hashing = hashing;
        this.bcryptCost = bcryptCost;
    }

    /** Who {@code token} stands for, or {@link AuthInfo#NONE} without a token. */
    public CompletableFuture<AuthInfo> caller(String token) {
        if (token == null || token.isEmpty()) {
            return CompletableFuture.completedFuture(AuthInfo.NONE);
        }
        // etcd waits for the token's entry as long as the request may take, then calls it invalid
        return auth.resolve(token).orTimeout(KvRequests.REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .exceptionallyCompose(e -> CompletableFuture.failedFuture(
                        e instanceof TimeoutException || e.getCause() instanceof TimeoutException
                                ? new EtcdException(EtcdError.INVALID_AUTH_TOKEN) : e));
    }

    /**
     * The user a verified client certificate names by its common name, as etcd's
     * {@code AuthInfoFromTLS}: at the auth store's current revision.
     */
    public CompletableFuture<AuthInfo> certificateCaller(String commonName) {
        return CompletableFuture.completedFuture(new AuthInfo(commonName, auth.state().revision()));
    }

    /** Whether auth is on, as of the last applied entry. */
    public boolean enabled() {
        return auth.state().enabled();
    }

    /** The caller of {@code token} if they may administer (role root, when auth is on). */
    public CompletableFuture<AuthInfo> admin(String token) {
        return caller(token).thenApply(this::checkAdmin);
    }

    /** {@code who} if they may administer (role root, when auth is on). */
    public AuthInfo checkAdmin(AuthInfo who) {
        auth.state().checkAdmin(who);
        return who;
    }

    public CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r) {
        return kv.linearizableBarrier().thenComposeAsync(v -> authenticate(r, 1), hashing);
    }

    /** etcd's loop: check the password, propose, and start over if the store changed in between. */
    private CompletableFuture<AuthenticateResponse> authenticate(AuthenticateRequest r, int attempt) {
        long checked = auth.checkPassword(r.getName(), r.getPassword());
        InternalAuthenticateRequest entry = InternalAuthenticateRequest.newBuilder().setName(r.getName())
                .setSimpleToken(auth.tokens().nonce()).build();
        return propose(InternalRaftRequest.newBuilder().setAuthenticate(entry), AuthInfo.NONE, AuthenticateResponse.class)
                .thenComposeAsync(resp -> checked == auth.state().revision() || attempt >= MAX_AUTHENTICATE_ATTEMPTS
                        ? CompletableFuture.completedFuture(resp) : authenticate(r, attempt + 1), hashing);
    }

    public CompletableFuture<AuthEnableResponse> enable(AuthEnableRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthEnable(r), who, AuthEnableResponse.class);
    }

    public CompletableFuture<AuthDisableResponse> disable(AuthDisableRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthDisable(r), who, AuthDisableResponse.class);
    }

    public CompletableFuture<AuthStatusResponse> status(AuthStatusRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthStatus(r), who, AuthStatusResponse.class);
    }

    /** Hashes the password first (unless the user has none or the client sent a hash), off every hot thread. */
    public CompletableFuture<AuthUserAddResponse> userAdd(AuthUserAddRequest r, AuthInfo who) {
        boolean hash = !r.getOptions().getNoPassword() && r.getHashedPassword().isEmpty();
        if (!hash) {
            return propose(InternalRaftRequest.newBuilder().setAuthUserAdd(r.toBuilder().clearPassword()), who,
                    AuthUserAddResponse.class);
        }
        // An admin check first, so that nobody without the right to add users spends bcrypt time.
        return adminFirst(who).thenApplyAsync(v -> r.toBuilder().clearPassword()
                        .setHashedPassword(hashed(r.getPassword())).build(), hashing)
                .thenCompose(hashed -> propose(InternalRaftRequest.newBuilder().setAuthUserAdd(hashed), who,
                        AuthUserAddResponse.class));
    }

    public CompletableFuture<AuthUserChangePasswordResponse> userChangePassword(AuthUserChangePasswordRequest r,
                                                                                AuthInfo who) {
        if (!r.getHashedPassword().isEmpty()) {
            return propose(InternalRaftRequest.newBuilder().setAuthUserChangePassword(r.toBuilder().clearPassword()),
                    who, AuthUserChangePasswordResponse.class);
        }
        return adminFirst(who).thenApplyAsync(v -> r.toBuilder().clearPassword()
                        .setHashedPassword(hashed(r.getPassword())).build(), hashing)
                .thenCompose(hashed -> propose(InternalRaftRequest.newBuilder().setAuthUserChangePassword(hashed),
                        who, AuthUserChangePasswordResponse.class));
    }

    public CompletableFuture<AuthUserGetResponse> userGet(AuthUserGetRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthUserGet(r), who, AuthUserGetResponse.class);
    }

    public CompletableFuture<AuthUserListResponse> userList(AuthUserListRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthUserList(r), who, AuthUserListResponse.class);
    }

    public CompletableFuture<AuthUserDeleteResponse> userDelete(AuthUserDeleteRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthUserDelete(r), who, AuthUserDeleteResponse.class);
    }

    public CompletableFuture<AuthUserGrantRoleResponse> userGrantRole(AuthUserGrantRoleRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthUserGrantRole(r), who, AuthUserGrantRoleResponse.class);
    }

    public CompletableFuture<AuthUserRevokeRoleResponse> userRevokeRole(AuthUserRevokeRoleRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthUserRevokeRole(r), who, AuthUserRevokeRoleResponse.class);
    }

    public CompletableFuture<AuthRoleAddResponse> roleAdd(AuthRoleAddRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthRoleAdd(r), who, AuthRoleAddResponse.class);
    }

    public CompletableFuture<AuthRoleGetResponse> roleGet(AuthRoleGetRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthRoleGet(r), who, AuthRoleGetResponse.class);
    }

    public CompletableFuture<AuthRoleListResponse> roleList(AuthRoleListRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthRoleList(r), who, AuthRoleListResponse.class);
    }

    public CompletableFuture<AuthRoleDeleteResponse> roleDelete(AuthRoleDeleteRequest r, AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthRoleDelete(r), who, AuthRoleDeleteResponse.class);
    }

    public CompletableFuture<AuthRoleGrantPermissionResponse> roleGrantPermission(AuthRoleGrantPermissionRequest r,
                                                                                  AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthRoleGrantPermission(r), who,
                AuthRoleGrantPermissionResponse.class);
    }

    public CompletableFuture<AuthRoleRevokePermissionResponse> roleRevokePermission(AuthRoleRevokePermissionRequest r,
                                                                                    AuthInfo who) {
        return propose(InternalRaftRequest.newBuilder().setAuthRoleRevokePermission(r), who,
                AuthRoleRevokePermissionResponse.class);
    }

    private CompletableFuture<Void> adminFirst(AuthInfo who) {
        try {
            auth.state().checkAdmin(who);
            return CompletableFuture.completedFuture(null);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    private String hashed(String password) {
        return Base64.getEncoder().encodeToString(Passwords.hash(password, bcryptCost));
    }

    private <T> CompletableFuture<T> propose(InternalRaftRequest.Builder request, AuthInfo who, Class<T> type) {
        return kv.propose(request, who).thenApply(type::cast);
    }
}
