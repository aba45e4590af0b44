package io.agentbox.sandbox;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/** Decodes UTF-8 chunks that may split a character, carrying the partial bytes to the next chunk. */
final class Utf8ChunkDecoder implements OutputListener {
    private final Consumer<String> consumer;
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private ByteBuffer pending = ByteBuffer.allocate(0);

    Utf8ChunkDecoder(Consumer<String> consumer) {
        this.consumer = consumer;
    }

    @Override
    public synchronized void onOutput(byte[] bytes, int offset, int length) {
        ByteBuffer in = ByteBuffer.allocate(pending.remaining() + length);
        in.put(pending).put(bytes, offset, length).flip();
        CharBuffer out = CharBuffer.allocate(in.remaining() + 1);
        decoder.decode(in, out, false);
        pending = in.slice();
        out.flip();
        if (out.hasRemaining()) consumer.accept(out.toString());
    }
}
