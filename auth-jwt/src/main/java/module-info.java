/**
 * The {@code jwt} token provider: etcd's signed JSON Web Tokens, chosen with
 * {@code --auth-token jwt,pub-key=…,priv-key=…,sign-method=…,ttl=…}. Reached only through
 * {@link io.kvorum.spi.auth.TokenProvider}, so nothing is exported.
 */
module io.kvorum.auth.jwt {
    requires io.kvorum.spi;
    requires com.nimbusds.jose.jwt;

    provides io.kvorum.spi.auth.TokenProvider with io.kvorum.auth.jwt.JwtTokenProvider;
}
