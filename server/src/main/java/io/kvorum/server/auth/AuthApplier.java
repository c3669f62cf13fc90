package io.kvorum.server.auth;

import com.google.protobuf.ByteString;
import io.kvorum.api.authpb.Permission;
import io.kvorum.api.authpb.Role;
import io.kvorum.api.authpb.User;
import io.kvorum.api.authpb.UserAddOptions;
import io.kvorum.api.etcdserverpb.AuthDisableResponse;
import io.kvorum.api.etcdserverpb.AuthEnableResponse;
import io.kvorum.api.etcdserverpb.AuthRoleAddResponse;
import io.kvorum.api.etcdserverpb.AuthRoleDeleteResponse;
import io.kvorum.api.etcdserverpb.AuthRoleGetResponse;
import io.kvorum.api.etcdserverpb.AuthRoleGrantPermissionResponse;
import io.kvorum.api.etcdserverpb.AuthRoleListResponse;
import io.kvorum.api.etcdserverpb.AuthRoleRevokePermissionRequest;
import io.kvorum.api.etcdserverpb.AuthRoleRevokePermissionResponse;
import io.kvorum.api.etcdserverpb.AuthStatusResponse;
import io.kvorum.api.etcdserverpb.AuthUserAddRequest;
import io.kvorum.api.etcdserverpb.AuthUserAddResponse;
import io.kvorum.api.etcdserverpb.AuthUserChangePasswordResponse;
import io.kvorum.api.etcdserverpb.AuthUserDeleteResponse;
import io.kvorum.api.etcdserverpb.AuthUserGetResponse;
import io.kvorum.api.etcdserverpb.AuthUserGrantRoleResponse;
import io.kvorum.api.etcdserverpb.AuthUserListResponse;
import io.kvorum.api.etcdserverpb.AuthUserRevokeRoleResponse;
import io.kvorum.api.etcdserverpb.AuthenticateResponse;
import io.kvorum.api.etcdserverpb.InternalRaftRequest;
import io.kvorum.api.etcdserverpb.ResponseHeader;
import io.kvorum.server.error.EtcdError;
import io.kvorum.server.error.EtcdException;
import io.kvorum.server.mvcc.MvccStore;
import java.util.Base64;
import java.util.Optional;

/**
 * Applies the Auth requests of the log to the {@link AuthStore}, with etcd's auth applier's checks:
 * user and role administration, enabling and disabling need role root (once auth is on); a user may
 * read their own record and a role they hold. Passwords arrive hashed: the member that proposed the
 * request spent the bcrypt time, never the apply loop.
 */
public final class AuthApplier {
    private static final ResponseHeader HEADER = ResponseHeader.getDefaultInstance();

    private final AuthStore auth;

    public AuthApplier(AuthStore auth) {
        this.auth = auth;
    }

    /** Whether {@code r} is an Auth request (and so for {@link #apply}). */
    public static boolean isAuth(InternalRaftRequest r) {
        return r.hasAuthEnable() || r.hasAuthDisable() || r.hasAuthStatus() || r.hasAuthenticate()
                || r.hasAuthUserAdd() || r.hasAuthUserDelete() || r.hasAuthUserGet()
                || r.hasAuthUserChangePassword() || r.hasAuthUserGrantRole() || r.hasAuthUserRevokeRole()
                || r.hasAuthUserList() || r.hasAuthRoleList() || r.hasAuthRoleAdd() || r.hasAuthRoleDelete()
                || r.hasAuthRoleGet() || r.hasAuthRoleGrantPermission() || r.hasAuthRoleRevokePermission();
    }

    /** etcd's {@code needAdminPermission}, with AuthStatus as etcd 3.5 has it. */
    private static boolean needsAdmin(InternalRaftRequest r) {
        return r.hasAuthEnable() || r.hasAuthDisable() || r.hasAuthStatus() || r.hasAuthUserAdd()
                || r.hasAuthUserDelete() || r.hasAuthUserChangePassword() || r.hasAuthUserGrantRole()
                || r.hasAuthUserRevokeRole() || r.hasAuthRoleAdd() || r.hasAuthRoleGrantPermission()
                || r.hasAuthRoleRevokePermission() || r.hasAuthRoleDelete() || r.hasAuthUserList()
                || r.hasAuthRoleList();
    }

    /**
     * Applies the Auth request {@code r} of the entry at {@code index}, made by {@code who}.
     *
     * @return the response
     * @throws EtcdException the request fails by etcd's contract and changed nothing
     */
    public Object apply(MvccStore store, InternalRaftRequest r, AuthInfo who, long index) {
        if (needsAdmin(r)) {
            auth.state().checkAdmin(who);
        }
        if (r.hasAuthEnable()) {
            auth.enable(store);
            return AuthEnableResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthDisable()) {
            auth.disable(store);
            return AuthDisableResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthStatus()) {
            AuthState s = auth.state();
            return AuthStatusResponse.newBuilder().setHeader(HEADER).setEnabled(s.enabled())
                    .setAuthRevision(s.revision()).build();
        }
        if (r.hasAuthenticate()) {
            String token = auth.authenticate(r.getAuthenticate().getName(), index, r.getAuthenticate().getSimpleToken());
            return AuthenticateResponse.newBuilder().setHeader(HEADER).setToken(token).build();
        }
        if (r.hasAuthUserAdd()) {
            AuthUserAddRequest a = r.getAuthUserAdd();
            UserAddOptions options = a.hasOptions() ? a.getOptions() : UserAddOptions.getDefaultInstance();
            auth.addUser(store, a.getName(), options.getNoPassword() ? new byte[0] : decode(a.getHashedPassword()), options);
            return AuthUserAddResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthUserDelete()) {
            auth.deleteUser(store, r.getAuthUserDelete().getName());
            return AuthUserDeleteResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthUserChangePassword()) {
            auth.changePassword(store, r.getAuthUserChangePassword().getName(),
                    decode(r.getAuthUserChangePassword().getHashedPassword()));
            return AuthUserChangePasswordResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthUserGrantRole()) {
            auth.grantRole(store, r.getAuthUserGrantRole().getUser(), r.getAuthUserGrantRole().getRole());
            return AuthUserGrantRoleResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthUserRevokeRole()) {
            auth.revokeRole(store, r.getAuthUserRevokeRole().getName(), r.getAuthUserRevokeRole().getRole());
            return AuthUserRevokeRoleResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthUserGet()) {
            String name = r.getAuthUserGet().getName();
            adminOr(who, name.equals(who.user()));
            User user = auth.user(name).orElseThrow(() -> new EtcdException(EtcdError.USER_NOT_FOUND));
            return AuthUserGetResponse.newBuilder().setHeader(HEADER).addAllRoles(user.getRolesList()).build();
        }
        if (r.hasAuthUserList()) {
            return AuthUserListResponse.newBuilder().setHeader(HEADER).addAllUsers(auth.state().users().keySet()).build();
        }
        if (r.hasAuthRoleAdd()) {
            auth.addRole(store, r.getAuthRoleAdd().getName());
            return AuthRoleAddResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthRoleDelete()) {
            auth.deleteRole(store, r.getAuthRoleDelete().getRole());
            return AuthRoleDeleteResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthRoleGet()) {
            String name = r.getAuthRoleGet().getRole();
            adminOr(who, auth.state().hasRole(who.user(), name));
            Optional<Role> role = auth.role(name);
            return AuthRoleGetResponse.newBuilder().setHeader(HEADER)
                    .addAllPerm(role.orElseThrow(() -> new EtcdException(EtcdError.ROLE_NOT_FOUND)).getKeyPermissionList())
                    .build();
        }
        if (r.hasAuthRoleList()) {
            return AuthRoleListResponse.newBuilder().setHeader(HEADER).addAllRoles(auth.state().roles().keySet()).build();
        }
        if (r.hasAuthRoleGrantPermission()) {
            var g = r.getAuthRoleGrantPermission();
            if (!g.hasPerm()) {
                throw new EtcdException(EtcdError.PERMISSION_NOT_GIVEN);
            }
            Permission p = g.getPerm();
            if (!validRange(p)) {
                throw new EtcdException(EtcdError.INVALID_AUTH_MGMT);
            }
            auth.grantPermission(store, g.getName(), p);
            return AuthRoleGrantPermissionResponse.newBuilder().setHeader(HEADER).build();
        }
        if (r.hasAuthRoleRevokePermission()) {
            AuthRoleRevokePermissionRequest v = r.getAuthRoleRevokePermission();
            auth.revokePermission(store, v.getRole(), v.getKey(), v.getRangeEnd());
            return AuthRoleRevokePermissionResponse.newBuilder().setHeader(HEADER).build();
        }
        throw new IllegalArgumentException("not an auth request");
    }

    /** etcd's UserGet and RoleGet: allowed to an admin, or to whom {@code self} says it concerns. */
    private void adminOr(AuthInfo who, boolean self) {
        try {
            auth.state().checkAdmin(who);
        } catch (EtcdException e) {
            if (!self) {
                throw e;
            }
        }
    }

    /** etcd 3.5's check: a range end, unless empty or {@code \0}, lies after the key. */
    private static boolean validRange(Permission p) {
        if (p.getRangeEnd().isEmpty() || (p.getRangeEnd().size() == 1 && p.getRangeEnd().byteAt(0) == 0)) {
            return true;
        }
        return ByteString.unsignedLexicographicalComparator().compare(p.getKey(), p.getRangeEnd()) < 0;
    }

    /** The bcrypt hash the proposer put in {@code hashedPassword} (base64, checked before proposing). */
    private static byte[] decode(String hashed) {
        try {
            return Base64.getDecoder().decode(hashed);
        } catch (IllegalArgumentException e) {
            // a hash that is not base64 matches no password: the user can only be given a new one
            return new byte[0];
        }
    }
}
