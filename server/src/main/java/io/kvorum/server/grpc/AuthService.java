package io.kvorum.server.grpc;

import io.grpc.stub.StreamObserver;
import io.kvorum.api.etcdserverpb.AuthGrpc;
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
import io.kvorum.server.request.AuthRequests;

/**
 * {@code etcdserverpb.Auth}: every call goes through the log with its caller (from the call's
 * token) in the entry's header, where the auth store checks who may do what. Authenticate needs
 * no token: it is how a client gets one.
 */
final class AuthService extends AuthGrpc.AuthImplBase {
    private final AuthRequests auth;
    private final Callers callers;
    private final Headers headers;

    AuthService(AuthRequests auth, Callers callers, Headers headers) {
        this.auth = auth;
        this.callers = callers;
        this.headers = headers;
    }

    @Override
    public void authenticate(AuthenticateRequest r, StreamObserver<AuthenticateResponse> out) {
        Replies.reply(() -> auth.authenticate(r),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void authEnable(AuthEnableRequest r, StreamObserver<AuthEnableResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.enable(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void authDisable(AuthDisableRequest r, StreamObserver<AuthDisableResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.disable(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void authStatus(AuthStatusRequest r, StreamObserver<AuthStatusResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.status(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userAdd(AuthUserAddRequest r, StreamObserver<AuthUserAddResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userAdd(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userGet(AuthUserGetRequest r, StreamObserver<AuthUserGetResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userGet(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userList(AuthUserListRequest r, StreamObserver<AuthUserListResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userList(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userDelete(AuthUserDeleteRequest r, StreamObserver<AuthUserDeleteResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userDelete(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userChangePassword(AuthUserChangePasswordRequest r, StreamObserver<AuthUserChangePasswordResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userChangePassword(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userGrantRole(AuthUserGrantRoleRequest r, StreamObserver<AuthUserGrantRoleResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userGrantRole(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void userRevokeRole(AuthUserRevokeRoleRequest r, StreamObserver<AuthUserRevokeRoleResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.userRevokeRole(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void roleAdd(AuthRoleAddRequest r, StreamObserver<AuthRoleAddResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.roleAdd(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void roleGet(AuthRoleGetRequest r, StreamObserver<AuthRoleGetResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.roleGet(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void roleList(AuthRoleListRequest r, StreamObserver<AuthRoleListResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.roleList(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void roleDelete(AuthRoleDeleteRequest r, StreamObserver<AuthRoleDeleteResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.roleDelete(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void roleGrantPermission(AuthRoleGrantPermissionRequest r, StreamObserver<AuthRoleGrantPermissionResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.roleGrantPermission(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }

    @Override
    public void roleRevokePermission(AuthRoleRevokePermissionRequest r, StreamObserver<AuthRoleRevokePermissionResponse> out) {
        Replies.reply(() -> callers.caller().thenCompose(who -> auth.roleRevokePermission(r, who)),
                resp -> resp.toBuilder().setHeader(headers.fill(resp.getHeader())).build(), out);
    }
}
