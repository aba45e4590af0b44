package io.agentbox.agent.event;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.datatype.jdk8.Jdk8Module;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.agentbox.ErrorCategory;
import io.agentbox.agent.AgentErrorCategory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * The JSON codec of events: {@code {"seq":7,"runId":"run_…","ts":"…Z","type":"tool.call","data":{…}}}.
 * {@link #mapper()} is the one Jackson configuration of the agent module (money as plain decimals,
 * error categories by wire name, instants as ISO-8601 UTC).
 */
public final class Events {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .addModule(new JavaTimeModule())
            .addModule(new Jdk8Module())
            .addModule(new SimpleModule()
                    .addSerializer(ErrorCategory.class, new JsonSerializer<>() {
                        @Override
                        public void serialize(ErrorCategory v, JsonGenerator g, SerializerProvider p) throws IOException {
                            g.writeString(v.wireName());
                        }
                    })
                    .addDeserializer(ErrorCategory.class, new JsonDeserializer<>() {
                        @Override
                        public ErrorCategory deserialize(JsonParser p, DeserializationContext c) throws IOException {
                            return AgentErrorCategory.fromWireName(p.getValueAsString());
                        }
                    }))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private Events() {}

    public static JsonMapper mapper() {
        return MAPPER;
    }

    /** An event with the current time (millisecond precision, as on the wire). */
    public static Event of(long seq, String runId, EventData data) {
        return new Event(seq, runId, Instant.now().truncatedTo(ChronoUnit.MILLIS), data);
    }

    public static ObjectNode toTree(Event event) {
        ObjectNode o = MAPPER.createObjectNode();
        o.put("seq", event.seq());
        o.put("runId", event.runId());
        o.put("ts", event.ts().toString());
        o.put("type", event.type());
        o.set("data", MAPPER.valueToTree(event.data()));
        return o;
    }

    /** One line of JSON, no trailing newline. */
    public static String toJson(Event event) {
        try {
            return MAPPER.writeValueAsString(toTree(event));
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Event fromJson(String json) {
        try {
            return fromTree(MAPPER.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not an event: " + e.getOriginalMessage(), e);
        }
    }

    public static Event fromTree(JsonNode o) {
        String type = o.path("type").asText();
        Class<? extends EventData> cls = EventData.Types.CLASSES.get(type);
        if (cls == null) throw new IllegalArgumentException("unknown event type: '" + type + "'");
        try {
            EventData data = MAPPER.treeToValue(o.path("data"), cls);
            return new Event(o.path("seq").asLong(), o.path("runId").asText(), Instant.parse(o.path("ts").asText()), data);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("malformed " + type + " event: " + e.getOriginalMessage(), e);
        }
    }
}
