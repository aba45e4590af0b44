package io.agentbox.sandbox;

/**
 * Receives a command's output as it arrives. Chunks are raw bytes of the stream (not split on
 * lines or characters); {@link #text} decodes them for the common case.
 */
@FunctionalInterface
public interface OutputListener {
    OutputListener NONE = (b, off, len) -> {};

    void onOutput(byte[] bytes, int offset, int length);

    /** A listener for UTF-8 text; a multi-byte character split across chunks is kept whole. */
    static OutputListener text(java.util.function.Consumer<String> consumer) {
        return new Utf8ChunkDecoder(consumer);
    }
}
