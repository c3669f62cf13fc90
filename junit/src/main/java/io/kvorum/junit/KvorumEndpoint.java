package io.kvorum.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test parameter or field of type {@link java.net.URI} or {@link String} that receives the
 * client URL of the {@link KvorumMember} (e.g. {@code http://127.0.0.1:41234}).
 */
@Target({ElementType.PARAMETER, ElementType.FIELD})
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface KvorumEndpoint {
}
