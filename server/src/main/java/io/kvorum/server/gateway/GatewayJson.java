package io.kvorum.server.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.Descriptors;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.linecorp.armeria.common.HttpData;
import com.linecorp.armeria.common.HttpResponse;
import com.linecorp.armeria.common.HttpStatus;
import com.linecorp.armeria.common.MediaType;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The JSON etcd's gateway (grpc-gateway v1 with {@code OrigName}) reads and writes: proto field
 * names, 64-bit integers as strings, bytes as base64, enums by name, fields at their default value
 * left out, unknown request fields ignored; its error bodies, and the HTTP status it gives each
 * gRPC code.
 */
final class GatewayJson {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory FACTORY = MAPPER.getFactory();
    private static final JsonFormat.Printer PRINTER = JsonFormat.printer()
            .preservingProtoFieldNames().omittingInsignificantWhitespace();
    private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();

    private GatewayJson() {
    }

    /**
     * The request messages in a body: none for an empty body, one per JSON value otherwise (a
     * stream's body may hold several, one after the other; a unary call's first is read alone).
     * The body is split as Go's decoder splits it ({@link GoJson}), with its errors; a value that
     * is not an object is Go's "cannot unmarshal", and {@code null} the empty request, as in etcd.
     */
    static <Q extends Message> List<Q> parse(byte[] body, Q prototype, boolean unary) throws InvalidProtocolBufferException {
        List<byte[]> values;
        try {
            values = GoJson.values(body, unary);
        } catch (GoJson.SyntaxException e) {
            throw new InvalidProtocolBufferException(e.getMessage());
        }
        List<Q> messages = new ArrayList<>();
        for (byte[] json : values) {
            if (json[0] == 'n') {
                messages.add(prototype); // null: the empty request
                continue;
            }
            if (json[0] != '{') {
                throw new InvalidProtocolBufferException("json: cannot unmarshal " + GoJson.kind(json[0])
                        + " into Go value of type map[string]json.RawMessage");
            }
            try {
                JsonNode value = MAPPER.readTree(json);
                decodeBytes(value, prototype.getDescriptorForType());
                Message.Builder builder = prototype.newBuilderForType();
                PARSER.merge(value.toString(), builder);
                @SuppressWarnings("unchecked")
                Q message = (Q) builder.build();
                messages.add(message);
            } catch (InvalidProtocolBufferException e) {
                throw e;
            } catch (JsonProcessingException e) {
                // the parser's own words, without the location text Jackson appends
                throw new InvalidProtocolBufferException(e.getOriginalMessage());
            } catch (IOException | RuntimeException e) {
                throw new InvalidProtocolBufferException(String.valueOf(e.getMessage()));
            }
        }
        return messages;
    }

    /**
     * Reads every {@code bytes} field of {@code node} (a message of {@code type}, nested messages
     * included) as etcd's gateway does, with {@link GoBase64}, and writes it back in the canonical
     * form, which {@link JsonFormat} reads to the same bytes: text etcd refuses fails here with
     * etcd's error, never decoded leniently. Enum names are checked on the way.
     */
    private static void decodeBytes(JsonNode node, Descriptors.Descriptor type) throws InvalidProtocolBufferException {
        if (!(node instanceof ObjectNode object)) {
            return; // null, or a type mismatch that the parser reports
        }
        for (Descriptors.FieldDescriptor field : type.getFields()) {
            if (field.isMapField()) {
                continue; // etcd's requests have no map of bytes
            }
            for (String name : new LinkedHashSet<>(List.of(field.getName(), field.getJsonName()))) {
                JsonNode value = object.get(name);
                if (value == null) {
                    continue;
                }
                if (field.getType() == Descriptors.FieldDescriptor.Type.ENUM) {
                    for (JsonNode element : value instanceof ArrayNode array ? array : List.of(value)) {
                        checkEnumName(element, field.getEnumType());
                    }
                } else if (field.getType() == Descriptors.FieldDescriptor.Type.BYTES) {
                    if (value instanceof ArrayNode array) {
                        for (int i = 0; i < array.size(); i++) {
                            if (array.get(i).isTextual()) {
                                array.set(i, canonicalBase64(array.get(i).textValue()));
                            }
                        }
                    } else if (value.isTextual()) {
                        object.set(name, canonicalBase64(value.textValue()));
                    } else if (value.isNumber() || value.isBoolean() || value.isObject()) {
                        // Go's encoding/json, into which etcd's gateway reads a bytes field
                        throw new InvalidProtocolBufferException("json: cannot unmarshal "
                                + (value.isNumber() ? "number" : value.isBoolean() ? "bool" : "object")
                                + " into Go value of type []uint8");
                    }
                } else if (field.getType() == Descriptors.FieldDescriptor.Type.MESSAGE) {
                    if (value instanceof ArrayNode array) {
                        for (JsonNode element : array) {
                            decodeBytes(element, field.getMessageType());
                        }
                    } else {
                        decodeBytes(value, field.getMessageType());
                    }
                }
            }
        }
    }

    /**
     * An enum given by a name it does not have is etcd's error ({@code jsonpb}'s): the parser here
     * would drop it silently, as it drops unknown fields. Numbers are taken, as etcd takes them.
     */
    private static void checkEnumName(JsonNode value, Descriptors.EnumDescriptor type) throws InvalidProtocolBufferException {
        if (value.isTextual() && type.findValueByName(value.textValue()) == null) {
            throw new InvalidProtocolBufferException("unknown value " + goQuoted(value.textValue()) + " for enum "
                    + goEnumName(type));
        }
    }

    /** The name Go's protobuf registers an enum under: {@code etcdserverpb.Compare_CompareTarget}. */
    private static String goEnumName(Descriptors.EnumDescriptor type) {
        StringBuilder name = new StringBuilder(type.getName());
        for (Descriptors.Descriptor outer = type.getContainingType(); outer != null; outer = outer.getContainingType()) {
            name.insert(0, outer.getName() + "_");
        }
        String pkg = type.getFile().getPackage();
        return pkg.isEmpty() ? name.toString() : pkg + "." + name;
    }

    /** Go's {@code %q} of a string, for the characters JSON text can hold. */
    private static String goQuoted(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.codePoints().forEach(c -> {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append('"').toString();
    }

    private static TextNode canonicalBase64(String text) throws InvalidProtocolBufferException {
        try {
            return TextNode.valueOf(Base64.getEncoder().encodeToString(GoBase64.decode(text)));
        } catch (IllegalArgumentException e) {
            throw new InvalidProtocolBufferException(e.getMessage());
        }
    }

    /** A unary answer: the response message alone. */
    static HttpResponse unary(Message response) {
        return HttpResponse.of(HttpStatus.OK, MediaType.JSON, print(response));
    }

    /** One message of a stream, a line of its own: {@code {"result":{...}}}. */
    static HttpData streamResult(Message response) {
        return HttpData.ofUtf8(write(g -> {
            g.writeStartObject();
            g.writeFieldName("result");
            g.writeRawValue(print(response));
            g.writeEndObject();
        }) + "\n");
    }

    /** A stream's failure, in the body: {@code {"error":{"grpc_code":..,"http_code":..,"message":..,"http_status":..}}}. */
    static HttpData streamError(Status status) {
        HttpStatus http = httpStatus(status.getCode());
        return HttpData.ofUtf8(write(g -> {
            g.writeStartObject();
            g.writeObjectFieldStart("error");
            g.writeNumberField("grpc_code", status.getCode().value());
            g.writeNumberField("http_code", http.code());
            g.writeStringField("message", message(status));
            g.writeStringField("http_status", http.reasonPhrase());
            g.writeEndObject();
            g.writeEndObject();
        }) + "\n");
    }

    /** A call's failure as the whole answer: {@code {"error":msg,"message":msg,"code":n}} with the HTTP status of its code. */
    static HttpResponse error(Status status) {
        String body = write(g -> {
            g.writeStartObject();
            g.writeStringField("error", message(status));
            g.writeStringField("message", message(status));
            g.writeNumberField("code", status.getCode().value());
            g.writeEndObject();
        });
        return HttpResponse.of(httpStatus(status.getCode()), MediaType.JSON, body);
    }

    /** grpc-gateway v1's {@code HTTPStatusFromCode}. */
    static HttpStatus httpStatus(Status.Code code) {
        return switch (code) {
            case OK -> HttpStatus.OK;
            case CANCELLED -> HttpStatus.REQUEST_TIMEOUT;
            case INVALID_ARGUMENT, OUT_OF_RANGE -> HttpStatus.BAD_REQUEST;
            case DEADLINE_EXCEEDED -> HttpStatus.GATEWAY_TIMEOUT;
            case NOT_FOUND -> HttpStatus.NOT_FOUND;
            case ALREADY_EXISTS, ABORTED -> HttpStatus.CONFLICT;
            case PERMISSION_DENIED -> HttpStatus.FORBIDDEN;
            case UNAUTHENTICATED -> HttpStatus.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> HttpStatus.TOO_MANY_REQUESTS;
            case FAILED_PRECONDITION -> HttpStatus.PRECONDITION_FAILED;
            case UNIMPLEMENTED -> HttpStatus.NOT_IMPLEMENTED;
            case UNAVAILABLE -> HttpStatus.SERVICE_UNAVAILABLE;
            default -> HttpStatus.INTERNAL_SERVER_ERROR;
        };
    }

    private static String message(Status status) {
        return status.getDescription() == null ? "" : status.getDescription();
    }

    private static String print(Message message) {
        try {
            return PRINTER.print(message);
        } catch (InvalidProtocolBufferException e) {
            // only Any fields with unknown types fail, and etcd's messages have none
            throw new IllegalStateException(e);
        }
    }

    private interface Body {
        void writeTo(JsonGenerator g) throws IOException;
    }

    private static String write(Body body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            body.writeTo(g);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
