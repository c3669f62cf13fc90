package io.kvorum.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Starts one embedded kvorum member for the annotated test class (its nested classes share it),
 * in a temporary data folder, serving clients on a free loopback port; closes it and deletes its
 * data after the class's last test.
 *
 * <pre>{@code
 * @KvorumMember(backend = "sqlite")
 * class OrderServiceTest {
 *     @Test
 *     void keepsOrders(@KvorumEndpoint URI endpoint) {
 *         try (Client etcd = Client.builder().endpoints(endpoint).build()) {
 *             // ...
 *         }
 *     }
 * }
 * }</pre>
 *
 * Tests receive the member as a parameter or field of type {@link io.kvorum.server.KvorumServer},
 * or its client URL as a {@link java.net.URI} or {@link String} annotated {@link KvorumEndpoint}.
 * The backend module named must be on the test path.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(KvorumExtension.class)
public @interface KvorumMember {

    /** The backend plugin by name ({@code --backend}); empty for the server's default, {@code rocksdb}. */
    String backend() default "";

    /** Options for the backend plugin, each {@code key=value} ({@code --backend-opt}). */
    String[] backendOptions() default {};

    /** The consensus plugin by name ({@code --consensus}); empty for {@code standalone}. */
    String consensus() default "";

    /** Options for the consensus plugin, each {@code key=value} ({@code --consensus-opt}). */
    String[] consensusOptions() default {};
}
