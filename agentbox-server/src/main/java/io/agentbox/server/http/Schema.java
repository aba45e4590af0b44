package io.agentbox.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * A JSON Schema fragment for the OpenAPI document. Request schemas double as the list of fields a
 * request may carry: {@link Call#body()} rejects any field the route's schema does not declare, so the
 * document and the validation cannot drift apart.
 */
public final class Schema {
    private final ObjectNode node;
    private final Set<String> properties = new LinkedHashSet<>();

    private Schema(ObjectNode node) {
        this.node = node;
    }

    private static Schema type(String type) {
        ObjectNode n = Json.object();
        n.put("type", type);
        return new Schema(n);
    }

    public static Schema string() { return type("string"); }

    public static Schema integer() { return type("integer"); }

    public static Schema number() { return type("number"); }

    public static Schema bool() { return type("boolean"); }

    public static Schema object() {
        Schema s = type("object");
        s.node.putObject("properties");
        return s;
    }

    /** An object with free-form content. */
    public static Schema anyObject() {
        Schema s = type("object");
        s.node.put("additionalProperties", true);
        return s;
    }

    public static Schema mapOf(Schema values) {
        Schema s = type("object");
        s.node.set("additionalProperties", values.node);
        return s;
    }

    public static Schema arrayOf(Schema items) {
        Schema s = type("array");
        s.node.set("items", items.node);
        return s;
    }

    public static Schema ref(String component) {
        ObjectNode n = Json.object();
        n.put("$ref", "#/components/schemas/" + component);
        return new Schema(n);
    }

    public static Schema enumOf(String... values) {
        Schema s = string();
        ArrayNode e = s.node.putArray("enum");
        for (String v : values) e.add(v);
        return s;
    }

    public static Schema binary() {
        Schema s = string();
        s.node.put("format", "binary");
        return s;
    }

    public Schema description(String text) {
        node.put("description", text);
        return this;
    }

    public Schema format(String format) {
        node.put("format", format);
        return this;
    }

    public Schema nullable() {
        node.put("nullable", true);
        return this;
    }

    public Schema max(long max) {
        node.put(node.path("type").asText().equals("string") ? "maxLength" : "maximum", max);
        return this;
    }

    public Schema min(double min) {
        node.put("minimum", min);
        return this;
    }

    public Schema prop(String name, Schema schema) {
        ((ObjectNode) node.get("properties")).set(name, schema.node);
        properties.add(name);
        return this;
    }

    public Schema required(String name, Schema schema) {
        prop(name, schema);
        ArrayNode req = node.has("required") ? (ArrayNode) node.get("required") : node.putArray("required");
        req.add(name);
        return this;
    }

    public Set<String> propertyNames() {
        return Set.copyOf(properties);
    }

    public ObjectNode node() {
        return node.deepCopy();
    }
}
