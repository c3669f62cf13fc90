package io.kvorum.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rooms of the server (docs/architecture.md, "Packages of the server"), as rules: the edges
 * hand requests to the request side, which proposes and waits; the applier applies and answers,
 * and knows neither; KV semantics and the MVCC store below them know none of them.
 */
class ServerRoomsTest {
    private static final String GRPC = "io.kvorum.server.grpc..";
    private static final String GATEWAY = "io.kvorum.server.gateway..";
    private static final String V2HTTP = "io.kvorum.server.v2http..";
    private static final String REQUEST = "io.kvorum.server.request..";
    private static final String APPLY = "io.kvorum.server.apply..";
    private static final String KV = "io.kvorum.server.kv..";
    private static final String MVCC = "io.kvorum.server.mvcc..";
    private static final String WATCH = "io.kvorum.server.watch..";
    private static final String LEASE = "io.kvorum.server.lease..";

    static final ArchRule APPLIER_KNOWS_NEITHER_REQUESTS_NOR_EDGES = noClasses().that().resideInAPackage(APPLY)
            .should().dependOnClassesThat().resideInAnyPackage(REQUEST, GRPC, GATEWAY, V2HTTP);

    static final ArchRule EDGES_REACH_THE_APPLIER_THROUGH_REQUESTS_ONLY = noClasses()
            .that().resideInAnyPackage(GRPC, GATEWAY, V2HTTP)
            .should().dependOnClassesThat().resideInAPackage(APPLY);

    static final ArchRule KV_SEMANTICS_KNOW_NEITHER_SIDE_NOR_THE_LOG = noClasses().that().resideInAPackage(KV)
            .should().dependOnClassesThat().resideInAnyPackage(APPLY, REQUEST, GRPC, GATEWAY, V2HTTP, WATCH,
                    "io.kvorum.spi.consensus..");

    static final ArchRule MVCC_KNOWS_NOTHING_BUILT_ON_IT = noClasses().that().resideInAPackage(MVCC)
            .should().dependOnClassesThat().resideInAnyPackage(APPLY, REQUEST, KV, WATCH, LEASE, GRPC, GATEWAY, V2HTTP);

    private static JavaClasses server;

    @BeforeAll
    static void importClasses() {
        server = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.kvorum.server");
    }

    @Test
    void theApplierKnowsNeitherTheRequestSideNorTheEdges() {
        APPLIER_KNOWS_NEITHER_REQUESTS_NOR_EDGES.check(server);
    }

    @Test
    void theEdgesReachTheApplierOnlyThroughTheRequestSide() {
        EDGES_REACH_THE_APPLIER_THROUGH_REQUESTS_ONLY.check(server);
    }

    @Test
    void kvSemanticsKnowNeitherSideNorTheLog() {
        KV_SEMANTICS_KNOW_NEITHER_SIDE_NOR_THE_LOG.check(server);
    }

    @Test
    void theMvccStoreKnowsNothingBuiltOnIt() {
        MVCC_KNOWS_NOTHING_BUILT_ON_IT.check(server);
    }

    /** Each rule is shown a class of this module's tests that breaks it, planted in the room it guards. */
    @Test
    void eachRuleCatchesAPlantedBreach() {
        Map<ArchRule, Class<?>> planted = Map.of(
                APPLIER_KNOWS_NEITHER_REQUESTS_NOR_EDGES, io.kvorum.server.apply.PlantedRequestSideCall.class,
                EDGES_REACH_THE_APPLIER_THROUGH_REQUESTS_ONLY, io.kvorum.server.grpc.PlantedApplierCall.class,
                KV_SEMANTICS_KNOW_NEITHER_SIDE_NOR_THE_LOG, io.kvorum.server.kv.PlantedApplierCall.class,
                MVCC_KNOWS_NOTHING_BUILT_ON_IT, io.kvorum.server.mvcc.PlantedWatchCall.class);
        planted.forEach((rule, breach) -> assertTrue(
                rule.evaluate(new ClassFileImporter().importClasses(breach)).hasViolation(),
                rule.getDescription() + " misses " + breach.getName()));
    }
}
