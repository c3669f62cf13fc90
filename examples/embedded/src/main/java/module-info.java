/**
 * An application embedding one kvorum member. It requires the server only; the sqlite backend is
 * on the path at run time and is found by name.
 */
module io.kvorum.examples.embedded {
    requires io.kvorum.server;

    exports io.kvorum.examples.embedded;
}
