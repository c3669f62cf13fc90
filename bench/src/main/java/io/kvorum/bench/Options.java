package io.kvorum.bench;

/**
 * The command line of {@link Bench}, parsed once: the load to run and every flag, with the
 * defaults of etcd's {@code benchmark} tool where it has the same flag.
 */
record Options(String op, String endpoint, int clients, int conns, long total, int keySize, int valSize,
               int keySpace, boolean serializable, int watchers, int streams, int putRate, int leases, long ttl) {

    static final String USAGE = "usage: Bench put|range|watch|keepalive --endpoint host:port [--clients N] [--conns N]"
            + " [--total N] [--key-size N] [--val-size N] [--key-space N] [--serializable]"
            + " [--watchers N] [--streams N] [--put-rate N] [--leases N] [--ttl SECONDS]";

    static Options parse(String[] args) {
        String op = args[0];
        String endpoint = "127.0.0.1:2379";
        int clients = 1;
        int conns = 1;
        long total = 10_000;
        int keySize = 8;
        int valSize = 256;
        int keySpace = 10_000;
        boolean serializable = false;
        int watchers = 1000;
        int streams = 100;
        int putRate = 100;
        int leases = 10_000;
        long ttl = 60;
        for (int i = 1; i < args.length; i++) {
            switch (args[i]) {
                case "--endpoint" -> endpoint = args[++i];
                case "--clients" -> clients = Integer.parseInt(args[++i]);
                case "--conns" -> conns = Integer.parseInt(args[++i]);
                case "--total" -> total = Long.parseLong(args[++i]);
                case "--key-size" -> keySize = Integer.parseInt(args[++i]);
                case "--val-size" -> valSize = Integer.parseInt(args[++i]);
                case "--key-space" -> keySpace = Integer.parseInt(args[++i]);
                case "--serializable" -> serializable = true;
                case "--watchers" -> watchers = Integer.parseInt(args[++i]);
                case "--streams" -> streams = Integer.parseInt(args[++i]);
                case "--put-rate" -> putRate = Integer.parseInt(args[++i]);
                case "--leases" -> leases = Integer.parseInt(args[++i]);
                case "--ttl" -> ttl = Long.parseLong(args[++i]);
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        return new Options(op, endpoint, clients, conns, total, keySize, valSize, keySpace, serializable,
                watchers, streams, putRate, leases, ttl);
    }
}
